import { ConfigError } from "../client/errors";
import type { JobLedger } from "../client/job-ledger";
import { WorkerClient } from "../client/worker-client";
import { now } from "../util/clock";
import { sleep } from "../util/timers";
import type { WorkerFacts } from "../worker/errors";
import { LogBuffer } from "../worker/log-buffer";
import type { StopReport } from "../worker/stop-tree";
import type { FileWorker } from "../worker/worker-process";
import { type WorkerAddress, workerAddress } from "./attach-address";
import { answersHealthy } from "./health-check";
import type { Acquired, WorkerScope } from "./worker-scope";

/** How long a file waits at its end for an attached worker to be idle again (its test left a job running). */
const IDLE_WAIT_MS = 10_000;

/** The URL this Jest worker process attaches to: the list spread by `JEST_WORKER_ID`, never shared. */
export function pickUrl(urls: string[], jestWorkerId = process.env.JEST_WORKER_ID): string {
  const id = Math.max(1, Number(jestWorkerId) || 1);
  if (id > urls.length) throw tooFewUrls(urls.length, id);
  return urls[id - 1];
}

/** More Jest worker processes than URLs: a configuration error that says which `--maxWorkers` fits. */
export function tooFewUrls(urls: number, workers: number): ConfigError {
  return new ConfigError(
    `${workers} Jest worker processes but ${urls} worker URL(s): a worker runs one job at a time, so no two ` +
      `Jest processes share one; run with --maxWorkers=${urls} (or give more URLs)`,
  );
}

/** A worker that was running before the run and goes on after it: nothing of it is spawned or stopped. */
class AttachedWorker implements FileWorker {
  readonly client: WorkerClient;
  readonly port: number;
  readonly pid = 0;
  readonly workerId: string;
  readonly command: string;
  readonly callbackBody = undefined;
  startupMs = 0;
  readonly startupBlockedMs = 0;
  readyHealth?: unknown;
  readonly logs = new LogBuffer();
  readonly exit = undefined;

  constructor(
    readonly address: WorkerAddress,
    jobs: JobLedger | undefined,
    timeouts: { requestTimeoutMs?: number; idleTimeoutMs?: number },
  ) {
    this.client = new WorkerClient(address.baseUrl, { ...timeouts, headers: address.headers, jobs });
    const url = new URL(address.baseUrl);
    this.port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    this.workerId = url.host;
    this.command = `(attached to ${address.baseUrl})`;
  }

  get baseUrl(): string {
    return this.address.baseUrl;
  }

  get requestHeaders(): Record<string, string> {
    return this.address.headers;
  }

  get spec(): { binary: string; model: string; gpuDevice: number } {
    const model = (this.readyHealth as { model?: unknown } | undefined)?.model;
    return { binary: "attached", model: typeof model === "string" ? model : "(remote)", gpuDevice: -1 };
  }

  facts(waitedMs?: number): WorkerFacts {
    return { command: this.command, waitedMs, logTail: [] };
  }

  async explainFailure(): Promise<Error | undefined> {
    return undefined;
  }

  /** Never stops it: the worker is not this run's. */
  async stop(): Promise<StopReport> {
    return { ms: 0, forced: false };
  }

  holdProcessOpen(): void {}

  /** Waits until `GET /health` answers healthy within `timeoutMs`; throws naming the last answer. */
  async ready(timeoutMs: number): Promise<void> {
    const started = now();
    let last = "no answer yet";
    while (now() - started < timeoutMs) {
      try {
        const health = await this.client.health({ timeoutMs: Math.max(50, Math.min(2000, timeoutMs)) });
        if ((health as { status?: unknown }).status === "healthy") {
          this.readyHealth = health;
          this.startupMs = Math.round(now() - started);
          return;
        }
        last = `GET /health answered ${JSON.stringify(health).slice(0, 200)}`;
      } catch (error) {
        last = (error as Error).message.split("\n")[0];
      }
      await sleep(100);
    }
    throw new Error(
      `the attached worker at ${this.baseUrl} was not healthy within ${timeoutMs} ms (startupTimeoutMs): ${last}`,
    );
  }
}

/**
 * Where a file's worker comes from when `url` is set: the running worker at
 * this Jest process's URL, ready when `/health` says healthy. At the file's
 * end its unfinished jobs have been ended (disconnect, `/cancel` where the
 * worker has it); the file then waits, bounded, until the worker is idle
 * again, and says so when it is not. Nothing is ever stopped.
 */
export function attachScope(o: {
  urls: string[];
  headers: Record<string, string>;
  startupTimeoutMs: number;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  file?: string;
}): WorkerScope {
  return {
    name: "file",
    async acquire(options): Promise<Acquired> {
      const address = workerAddress(pickUrl(o.urls), o.headers);
      const worker = new AttachedWorker(address, options.jobs, o);
      await worker.ready(o.startupTimeoutMs);
      return { worker, origin: "attached" };
    },
    async release(worker, jobs) {
      if (!jobs || jobs.settled) return;
      for (const id of jobs.unfinished())
        await worker.client.cancel(id, { timeoutMs: 1000 }).catch(() => undefined);
      const deadline = now() + IDLE_WAIT_MS;
      while (now() < deadline) {
        if (await answersHealthy(worker.client, 500)) return;
        await sleep(100);
      }
      process.stderr.write(
        `worker-orcd-jest: ${o.file ?? "a test file"}: the attached worker at ${worker.baseUrl} ` +
          `was still busy ${IDLE_WAIT_MS} ms after the file ended (a job its tests left running); the next file may meet it busy\n`,
      );
    },
  };
}
