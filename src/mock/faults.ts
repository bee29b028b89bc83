/**
 * Fault modes of the mock worker, set with `WORKER_ORCD_MOCK_FAULT` (or
 * `--fault`), comma-separated, some with a `:n` argument. Each exists so the
 * harness's own failure handling can be tested without a GPU.
 */
export const FAULT_MODES = {
  "crash-mid-stream": "the process kills itself (SIGKILL) after n tokens (default 3) of a job",
  "never-ready": "never binds its port nor posts the callback; stays alive",
  "slow-ready": "model load takes n ms (default 3000) before the worker is ready",
  "exit-cuda": "exits at once with code 1 after a CUDA-like error log line",
  "no-callback": "never posts the readiness callback (ready only by /health)",
  "malformed-event": "sends a data line that is not JSON after the first token",
  "double-terminal": "sends an error event after the end event",
  "ignore-sigterm": "ignores SIGTERM and starts a child process that ignores it too",
  "tiny-chunks": "writes each stream one byte at a time",
  crlf: "ends SSE lines with \\r\\n",
  "split-data": "spreads each JSON payload over two data: lines",
  "stall-mid-stream": "goes silent (connection open) after n tokens (default 2)",
  "inference-failed": "every job fails with INFERENCE_FAILED (a lone error event in compat mode)",
  "cancel-path-only": "POST /cancel answers 404; only the legacy POST /cancel/{job_id} works",
  "unknown-event": "sends an event named 'progress' after the first token",
  "no-event-lines": "sends data-only SSE frames (no event: line), everything else as the specification says",
  buffered: "holds every event until the job ends, then sends them at once (does not stream)",
  "no-cancel-route": "answers 404 to POST /cancel and POST /cancel/{job_id}",
  "ignore-seed": "draws every job's tokens at random, whatever its seed (a sampler that ignores the seed)",
  "orphan-child":
    "starts a child process in a session of its own that outlives the worker (it is left behind after SIGTERM)",
} as const;

/** A fault mode name. */
export type FaultMode = keyof typeof FAULT_MODES;

/** Active fault modes and their arguments (`true` when given without one). */
export type Faults = Partial<Record<FaultMode, number | true>>;

/** Parses `mode[:n],mode...`; throws on an unknown mode, naming the known ones. */
export function parseFaults(spec: string): Faults {
  const faults: Faults = {};
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, arg] = part.split(":");
    if (!(name in FAULT_MODES)) {
      throw new Error(
        `unknown fault mode ${JSON.stringify(name)}; known: ${Object.keys(FAULT_MODES).join(", ")}`,
      );
    }
    const n = arg === undefined ? true : Number(arg);
    if (n !== true && !Number.isFinite(n))
      throw new Error(`fault ${name} takes a number, got ${JSON.stringify(arg)}`);
    faults[name as FaultMode] = n;
  }
  return faults;
}

/** The numeric argument of a fault, or its default. */
export function faultArg(faults: Faults, mode: FaultMode, fallback: number): number {
  const v = faults[mode];
  return typeof v === "number" ? v : fallback;
}
