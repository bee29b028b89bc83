import { BLOCKED_MS } from "../worker/readiness";
import type { FileWorker } from "../worker/worker-process";
import type { WorkerRecord } from "./types";

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * The run report's record of a worker: `kind` as the run planned it (a
 * harness's: the mock, or a real binary); `reused`, not started for this
 * file (kept from an earlier one, or taken from the pool); `ahead`, started
 * while Jest loaded the file.
 */
export function workerRecord(
  role: WorkerRecord["role"],
  worker: FileWorker,
  how: { kind?: WorkerRecord["kind"]; reused?: boolean; ahead?: boolean } = {},
): WorkerRecord {
  const { binary, model, gpuDevice } = worker.spec;
  const { reused = false, ahead = false } = how;
  const callback = worker.callbackBody as { vram_bytes?: unknown } | undefined;
  const health = worker.readyHealth as { vram_bytes_used?: unknown; vram_bytes?: unknown } | undefined;
  const env = (worker as { startOptions?: { env?: Record<string, unknown> } }).startOptions?.env;
  const envNames = Object.keys(env ?? {}).sort();
  return {
    role,
    kind: how.kind ?? (binary === "mock" ? "mock" : "real"),
    binary,
    model,
    device: gpuDevice,
    baseUrl: worker.baseUrl,
    pid: worker.pid,
    startupMs: worker.startupMs,
    reused,
    ...(ahead ? { ahead } : {}),
    ...(worker.startupBlockedMs > BLOCKED_MS ? { blockedMs: worker.startupBlockedMs } : {}),
    vramBytes: num(callback?.vram_bytes),
    vramBytesUsed: num(health?.vram_bytes_used) ?? num(health?.vram_bytes),
    ...(worker.command ? { command: worker.command } : {}),
    ...(envNames.length > 0 ? { envNames } : {}),
    ...(health !== undefined ? { health } : {}),
  };
}

/**
 * Whether a worker's `startupMs` is a start-up figure: not for one taken
 * over (its start was paid by an earlier file) nor for one started ahead
 * (it started while this process was busy loading or compiling, and the
 * moment it was ready could only be seen once that work was done). One whose wait saw this process's event loop blocked
 * (`blockedMs`) is kept: its figure is an upper bound, marked in the table.
 */
export function measuredStartup(w: WorkerRecord): boolean {
  return !w.reused && !w.ahead && w.kind !== "attached";
}
