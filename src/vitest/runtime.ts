import type { WorkerGlobal } from "../runner/worker-global";

/**
 * The test file's worker, as this process's current file set it up: the
 * same object as Jest's global `worker`. Test files run one after the other
 * in a Vitest worker process, and each sets it before its tests.
 */
let current: WorkerGlobal | undefined;

/** Set by the setup file for the file about to run. */
export function setCurrentWorker(worker: WorkerGlobal | undefined): void {
  current = worker;
}

const NOT_SET_UP =
  "worker-orcd-jest: no worker here: add the plugin to vitest.config (plugins: [workerOrcd()] from " +
  '"worker-orcd-jest/vitest/config"), which gives each test file its worker';

/**
 * `import { worker } from "worker-orcd-jest/vitest"`: the file's worker
 * (`execute`, `stream`, `health`, `cancel`, ... as Jest's global `worker`).
 */
export const worker: WorkerGlobal = new Proxy({} as WorkerGlobal, {
  get(_target, key) {
    if (!current) throw new Error(NOT_SET_UP);
    const value = (current as unknown as Record<string | symbol, unknown>)[key];
    return typeof value === "function" ? value.bind(current) : value;
  },
  has(_target, key) {
    return current !== undefined && key in current;
  },
});
