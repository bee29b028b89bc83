import { ConfigError } from "../client/errors";
import type { ResolvedOptions } from "../config/options";
import { attachScope } from "./attach";
import type { WorkerSource } from "./source";
import { workerScope } from "./worker-scope";

/**
 * The one place that decides where a test file's worker comes from and
 * which one is this Jest worker process's: attached to a running worker
 * when `url` is set, else scope `"file"` or `"process"` (with the reuse
 * pool, the kept worker and the spare behind them); the GPU or the URL from
 * its list by `JEST_WORKER_ID`.
 */

/** True when the run attaches to running workers (`url`): nothing is started, no GPU or model is checked. */
export function isAttached(options: Pick<ResolvedOptions, "urls">): boolean {
  return options.urls.length > 0;
}

/** The source that serves a file with these resolved options. */
export function sourceFor(
  options: Pick<
    ResolvedOptions,
    "urls" | "headers" | "scope" | "startupTimeoutMs" | "requestTimeoutMs" | "idleTimeoutMs"
  >,
  file?: string,
): WorkerSource {
  return isAttached(options)
    ? attachScope({ ...options, url: pickUrl(options.urls), file })
    : workerScope(options.scope);
}

/** This Jest worker process's place in a list: 1-based `JEST_WORKER_ID`, 1 when unset. */
function jestWorkerIndex(jestWorkerId: string | undefined): number {
  return Math.max(1, Number(jestWorkerId) || 1);
}

/** The device this Jest worker uses: the list spread by `JEST_WORKER_ID` (1-based), round robin. */
export function pickDevice(devices: number[], jestWorkerId = process.env.JEST_WORKER_ID): number {
  return devices[(jestWorkerIndex(jestWorkerId) - 1) % devices.length];
}

/** The URL this Jest worker process attaches to: the list spread by `JEST_WORKER_ID`, never shared. */
export function pickUrl(urls: string[], jestWorkerId = process.env.JEST_WORKER_ID): string {
  const id = jestWorkerIndex(jestWorkerId);
  if (id > urls.length) throw tooFewUrls(urls.length, id);
  return urls[id - 1];
}

/** More test worker processes (Jest's or Vitest's) than URLs: a configuration error that says which `--maxWorkers` fits. */
export function tooFewUrls(urls: number, workers: number): ConfigError {
  return new ConfigError(
    `${workers} test worker processes (Jest's or Vitest's) but ${urls} worker URL(s): a worker runs one job at a ` +
      `time, so no two of them share one; run with --maxWorkers=${urls} (or give more URLs)`,
  );
}
