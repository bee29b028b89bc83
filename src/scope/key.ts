import type { WorkerStartOptions } from "../worker/worker-process";

/** The start options that make two workers interchangeable (the calls ledger and how the start is run aside). */
export function keyOf(options: WorkerStartOptions): string {
  const { jobs: _jobs, unref: _unref, signal: _signal, onSpawn: _onSpawn, ...rest } = options;
  const record = rest as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k]]),
  );
}
