import type { JobLedger } from "../client/job-ledger";
import { WorkerClient } from "../client/worker-client";
import { now } from "../util/clock";
import { sleep } from "../util/timers";
import type { WorkerFacts } from "../worker/errors";
import { LogBuffer } from "../worker/log-buffer";
import { type NotReadyError, waitForReady } from "../worker/readiness";
import type { StopReport } from "../worker/stop-tree";
import type { FileWorker } from "../worker/worker-process";
import { type WorkerAddress, workerAddress } from "./attach-address";
import { answersHealthy } from "./health-check";
import type { Acquired, WorkerSource } from "./source";

/** How long a file waits at its end for an attached worker to be idle again (its test left a job running). */
const IDLE_WAIT_MS = 10_000;

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

  /**
   * Waits until `GET /health` says ready, through the one readiness loop a
   * started worker uses too. An answer that waiting cannot change (401, no
   * such route, not a `/health` body) ends the wait at once; throws naming
   * the last answer.
   */
  async ready(timeoutMs: number): Promise<void> {
    try {
      const ready = await waitForReady({
        healthUrl: `${this.baseUrl}/health`,
        headers: this.address.headers,
        timeoutMs,
        startedAt: now(),
        finalAnswers: true,
      });
      this.readyHealth = ready.health;
      this.startupMs = ready.ms;
    } catch (error) {
      const e = error as NotReadyError;
      throw new Error(
        e.reason === "final"
          ? `the attached worker at ${this.baseUrl} cannot be used: GET /health answered ${e.last}`
          : `the attached worker at ${this.baseUrl} was not healthy within ${timeoutMs} ms (startupTimeoutMs): ${e.last}`,
      );
    }
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
  /** This Jest worker process's URL (see `pickUrl`). */
  url: string;
  headers: Record<string, string>;
  startupTimeoutMs: number;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  file?: string;
}): WorkerSource {
  return {
    name: "attached",
    async acquire(options): Promise<Acquired> {
      const address = workerAddress(o.url, o.headers);
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
