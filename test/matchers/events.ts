import type { WorkerEvent } from "../../src/protocol/events";

export const started = (job_id = "job-1"): WorkerEvent => ({
  type: "started",
  job_id,
  model: "m",
  started_at: "2026-01-01T00:00:00Z",
});
export const token = (i: number, t = `t${i}`): WorkerEvent => ({ type: "token", t, i });
export const tokens = (n: number): WorkerEvent[] =>
  Array.from({ length: n }, (_, i) => token(i, i % 2 ? " lo" : "Hel"));
export const metrics = (): WorkerEvent => ({ type: "metrics", tokens_per_sec: 50, vram_bytes: 1 });
export const end = (tokens_out: number, stop_reason = "max_tokens", extra = {}): WorkerEvent =>
  ({ type: "end", tokens_out, decode_time_ms: 10, stop_reason, ...extra }) as WorkerEvent;
export const error = (code = "INFERENCE_FAILED", extra = {}): WorkerEvent => ({
  type: "error",
  code,
  message: "boom",
  ...extra,
});

/** A valid successful stream of n tokens. */
export const ok = (n = 3): WorkerEvent[] => [started(), ...tokens(n), end(n)];

/** Removes ANSI colour codes so snapshots do not depend on the terminal. */
export const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

/** Runs a matcher expectation and returns its failure message (throws if it passed). */
export function failureOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return plain((e as Error).message);
  }
  throw new Error("expected the assertion to fail");
}
