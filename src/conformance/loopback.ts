import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WorkerClient } from "../client/worker-client";

/**
 * A `/health` that answers at once, served from the measuring process: the
 * same client's round trip to it is the cost of measuring (client, loopback,
 * the host's load), which a timing clause takes off the worker's figure.
 */
export async function loopbackHealth(): Promise<{ client: WorkerClient; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"healthy"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    client: new WorkerClient(`http://127.0.0.1:${port}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
