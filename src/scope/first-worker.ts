import type { WorkerStartOptions } from "../worker/worker-process";

/*
 * Light on purpose: global setup and the reporter run in Jest's main process,
 * which in a multi-worker run never starts a worker, so the worker modules
 * are loaded only when the offer is taken up.
 */

let offered: WorkerStartOptions | undefined;

/** Global setup: how the first file's worker would be started, for {@link prestartFirstWorker}. */
export function offerFirstWorker(options: WorkerStartOptions): void {
  offered = options;
}

/**
 * Once Jest has scheduled the run: when it runs in band (global setup and
 * the files share this process), the offered first worker is started ahead
 * as this process's spare, if it is the mock (resolves once it is spawned;
 * `onStart` hears of the start); the offer is dropped either way.
 */
export async function prestartFirstWorker(inBand: boolean, onStart?: () => void): Promise<void> {
  const options = offered;
  offered = undefined;
  if (!inBand || !options) return;
  const { canPrestart, spare } = require("./spare") as typeof import("./spare");
  if (canPrestart(options)) await spare.prepare(options, onStart);
}
