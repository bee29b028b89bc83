import { createServer, type Server } from "node:http";
import { BodyTooLargeError } from "../client/body";
import { ProbeTimeoutError, probe } from "./probe";

/** Body the worker posts when it is ready (docs/protocol.md, `--callback-url`). */
export interface ReadyCallback {
  worker_id: string;
  vram_bytes: number;
  uri: string;
}

/** A one-shot HTTP receiver for the readiness callback, on 127.0.0.1. */
export class CallbackServer {
  private server?: Server;
  private received?: unknown;
  private listeners: ((body: unknown) => void)[] = [];
  /** A URL of the worker (its `/health`) probed when the callback arrives, before it is answered. */
  probeUrl?: string;
  /** Whether the worker's port answered when its callback arrived (undefined until then, or without `probeUrl`). */
  listeningAtCallback?: boolean;

  /** Starts listening; resolves with the URL to pass as `--callback-url`. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        if (this.probeUrl && this.listeningAtCallback === undefined) {
          this.listeningAtCallback = await probe(this.probeUrl, 500, 64 * 1024).then(
            () => true,
            // Connected but slow (or a body too large) still means it listens.
            (error: Error) => error instanceof ProbeTimeoutError || error instanceof BodyTooLargeError,
          );
        }
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          body = Buffer.concat(chunks).toString("utf8");
        }
        // Connection: close, so the worker's keep-alive connection does not hold this process open afterwards.
        res.writeHead(200, { "content-type": "application/json", connection: "close" }).end("{}");
        this.received ??= body;
        for (const listener of this.listeners.splice(0)) listener(body);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/ready`;
  }

  /** Whether the listening server keeps this Node process alive (it does by default). */
  holdProcessOpen(on: boolean): void {
    if (on) this.server?.ref();
    else this.server?.unref();
  }

  /** The body received, if any. */
  get body(): unknown {
    return this.received;
  }

  /** Resolves when the callback arrives (at once if it already has). */
  wait(): Promise<unknown> {
    if (this.received !== undefined) return Promise.resolve(this.received);
    return new Promise((resolve) => this.listeners.push(resolve));
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
