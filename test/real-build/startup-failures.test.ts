import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "@jest/globals";
import { freePort } from "../../src/worker/ports";
import {
  describeRealBuild,
  HAVE_REAL_BUILD,
  REAL_BIN,
  startReal,
  stopRealWorkers,
} from "../helpers/real-build";

// Each start-up failure of the real build is a clear failure naming the cause,
// with the worker's own line.

// Made only where the tests run: a file whose tests all skip runs no afterAll, so it would be left behind.
const dir = HAVE_REAL_BUILD ? mkdtempSync(join(tmpdir(), "wojest-real-")) : "";
afterAll(async () => {
  await stopRealWorkers();
  rmSync(dir, { recursive: true, force: true });
});

/** A wrapper around the real binary that rewrites its command line with `sed`-like shell edits. */
function wrapper(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const failure = (options: Parameters<typeof startReal>[0]) =>
  startReal({ startupTimeoutMs: 10_000, ...options }).then(
    () => {
      throw new Error("the worker started, but it was expected to fail");
    },
    (e: Error) => e.message,
  );

describeRealBuild("start-up failures of the real worker-orcd", () => {
  it("a refused readiness callback: exit 1 before the server starts, and the worker's error line", async () => {
    const closed = await freePort();
    const message = await failure({
      callback: false,
      extraArgs: ["--callback-url", `http://127.0.0.1:${closed}/ready`],
    });
    expect(message).toMatch(/worker exited before it was ready/);
    expect(message).toMatch(/the worker said: Error: error sending request for url .*Connection refused/);
    expect(message).toMatch(/process: exited with code 1/);
  });

  it("a callback answered with 500: exit 1, named", async () => {
    const server: Server = createServer((_req, res) => res.writeHead(500).end("no"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const message = await failure({
        callback: false,
        extraArgs: ["--callback-url", `http://127.0.0.1:${port}/ready`],
      });
      expect(message).toMatch(/the worker said: Error: .*500/);
      expect(message).toMatch(/process: exited with code 1/);
    } finally {
      server.close();
    }
  });

  it("a missing model: exit 1 with the loader's message", async () => {
    const message = await failure({ model: join(dir, "missing.gguf") });
    expect(message).toMatch(
      /the worker said: Error: Model load failed: Failed to parse GGUF metadata: IO error: No such file or directory/,
    );
  });

  it("a port in use: the bind error, every attempt", async () => {
    const held: Server = createServer();
    await new Promise<void>((r) => held.listen(0, "0.0.0.0", () => r()));
    try {
      const port = (held.address() as { port: number }).port;
      const bin = wrapper(
        "taken-port",
        `args=""; next=""; for a in "$@"; do if [ "$next" = port ]; then a=${port}; next=""; fi; [ "$a" = --port ] && next=port; args="$args '$a'"; done\neval exec "${REAL_BIN}" $args`,
      );
      const message = await failure({ binary: bin });
      expect(message).toMatch(/the worker said: Error: .*Address already in use/);
      expect(message).toMatch(/the port was taken on every attempt/);
    } finally {
      held.close();
    }
  });

  it("a missing flag: exit 2 with clap's usage", async () => {
    const bin = wrapper(
      "no-gpu-flag",
      `args=""; skip=""; for a in "$@"; do if [ -n "$skip" ]; then skip=""; continue; fi; [ "$a" = --gpu-device ] && { skip=1; continue; }; args="$args '$a'"; done\neval exec "${REAL_BIN}" $args`,
    );
    const message = await failure({ binary: bin });
    expect(message).toMatch(/the worker said: error: the following required arguments were not provided/i);
    expect(message).toMatch(/process: exited with code 2/);
    expect(message).toMatch(/Usage: worker-orcd --worker-id <WORKER_ID>/);
  });

  it("the localhost:9999 test mode skips the callback: ready by /health alone", async () => {
    const w = await startReal({
      callback: false,
      extraArgs: ["--callback-url", "http://localhost:9999/ready"],
    });
    expect(w.callbackBody).toBeUndefined();
    expect(await w.client.health()).toEqual({ status: "healthy", vram_bytes: 0 });
  });
});
