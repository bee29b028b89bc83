import { writeFileSync } from "node:fs";
import { buildCommand, MOCK_ENTRY } from "../../src/worker/command";
import { WorkerProcess, type WorkerStartOptions } from "../../src/worker/worker-process";

/** The mock's command line (entry point first) for running it by hand: the harness's own builder. */
export function mockArgs(
  port: number | string,
  options: { model?: string; workerId?: string; callbackUrl?: string; extra?: string[] } = {},
): string[] {
  const spec = {
    binary: "mock",
    model: options.model ?? "mock",
    gpuDevice: 0,
    workerId: options.workerId,
    extraArgs: options.extra,
  };
  return buildCommand(spec, Number(port), options.callbackUrl).args;
}

/** Start options of the bundled mock for tests that start it through a source or the pool (short grace). */
export const mockOptions = (extra: Partial<WorkerStartOptions> = {}): WorkerStartOptions => ({
  binary: "mock",
  model: "mock",
  gpuDevice: 0,
  startupTimeoutMs: 20_000,
  shutdownGraceMs: 300,
  ...extra,
});

const started: WorkerProcess[] = [];

/** Starts the mock worker for a test; every one started is stopped by {@link stopAllMocks}. */
export async function startMock(options: Partial<WorkerStartOptions> = {}): Promise<WorkerProcess> {
  const worker = await WorkerProcess.start({
    binary: "mock",
    model: "mock",
    gpuDevice: 0,
    startupTimeoutMs: 10_000,
    shutdownGraceMs: 1000,
    ...options,
  });
  started.push(worker);
  return worker;
}

/** Stops every mock started by {@link startMock}. */
export async function stopAllMocks(): Promise<void> {
  await Promise.all(started.splice(0).map((w) => w.stop()));
}

/** Bytes as a ReadableStream, one chunk per given piece. */
export function streamOf(pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(typeof p === "string" ? enc.encode(p) : p);
      controller.close();
    },
  });
}

/** Splits a string's UTF-8 bytes into one-byte chunks. */
export function bytewise(text: string): Uint8Array[] {
  return [...Buffer.from(text, "utf8")].map((b) => Uint8Array.of(b));
}

/**
 * Writes, at `path`, a worker that leaves its group first: a `setsid` daemon
 * (`sleep 60`, writing its pid to `pidFile`) carrying the worker's
 * environment, then the mock in its place. Returns `path`.
 */
export function daemonizingWorker(path: string, pidFile: string): string {
  writeFileSync(
    path,
    `#!/bin/sh\n(setsid sh -c 'echo $$ > "${pidFile}"; exec sleep 60' &)\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}
