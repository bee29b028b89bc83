import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe } from "@jest/globals";
import { WorkerProcess, type WorkerStartOptions } from "../../src/worker/worker-process";
import { REPO } from "./jest-run";

/** The real worker-orcd, build 5d6c9a4a for a machine without a GPU, beside the project (CI has it; a clone does not). */
export const REAL_DIR = join(REPO, "..", "shared", "real-worker");
export const REAL_BIN = join(REAL_DIR, "worker-orcd");
export const TINY_GGUF = join(REAL_DIR, "tiny.gguf");
export const HAVE_REAL_BUILD = existsSync(REAL_BIN) && existsSync(TINY_GGUF);

/**
 * `describe` for real-build tests: runs them where the binary exists, else
 * skips them with one printed reason (never silently).
 */
export function describeRealBuild(name: string, fn: () => void): void {
  if (HAVE_REAL_BUILD) {
    describe(name, fn);
    return;
  }
  process.stderr.write(
    `real-build tests skipped (${name}): ${REAL_BIN} not found; they run where ../shared/real-worker exists (CI)\n`,
  );
  describe.skip(name, fn);
}

const started: WorkerProcess[] = [];

/** Starts the real build on tiny.gguf; {@link stopRealWorkers} stops every one. */
export async function startReal(options: Partial<WorkerStartOptions> = {}): Promise<WorkerProcess> {
  const worker = await WorkerProcess.start({
    binary: REAL_BIN,
    model: TINY_GGUF,
    gpuDevice: 0,
    startupTimeoutMs: 15_000,
    shutdownGraceMs: 2000,
    ...options,
  });
  started.push(worker);
  return worker;
}

/** Stops every worker {@link startReal} started. */
export async function stopRealWorkers(): Promise<void> {
  await Promise.all(started.splice(0).map((w) => w.stop()));
}
