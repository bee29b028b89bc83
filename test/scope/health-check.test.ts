import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "@jest/globals";
import { WorkerClient } from "../../src/client/worker-client";
import { answersHealthy } from "../../src/scope/health-check";

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

async function answering(body: unknown, delayMs = 0): Promise<WorkerClient> {
  server = createServer((_req, res) => {
    setTimeout(
      () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)),
      delayMs,
    ).unref(); // a silent server's late answer must not hold the test process open
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return new WorkerClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
}

describe("the kept worker's health check", () => {
  it("passes a healthy, idle worker and refuses a busy, unhealthy or silent one", async () => {
    expect(await answersHealthy(await answering({ status: "healthy" }))).toBe(true);
    server?.close();
    expect(await answersHealthy(await answering({ status: "healthy", busy: true }))).toBe(false);
    server?.close();
    expect(await answersHealthy(await answering({ status: "unhealthy" }))).toBe(false);
    server?.close();
    // Silent past the given timeout: a worker blocked by a job (the last real builds block every route).
    expect(await answersHealthy(await answering({ status: "healthy" }, 2_000), 100)).toBe(false);
  });
});
