import { statSync } from "node:fs";
import type { JobLedger } from "../../client/job-ledger";
import { WorkerClient } from "../../client/worker-client";
import { now } from "../../util/clock";
import { WorkerExitedError, type WorkerFacts } from "../../worker/errors";
import { LogBuffer } from "../../worker/log-buffer";
import { killMarked, signal } from "../../worker/processes";
import { type StopReport, stopGroupOf } from "../../worker/stop-tree";
import { watchdogDone } from "../../worker/watchdog";
import type { FileWorker } from "../../worker/worker-process";
import { type PoolRecord, workerAlive } from "./store";

/** Bytes of a pooled worker's earlier output read back into its log tail when a run takes it. */
const EARLIER_OUTPUT_BYTES = 16 * 1024;

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * A worker an earlier run left in the pool, taken by this process: not its
 * child, so its output is followed from its files and its death seen with
 * `kill -0` (a reused pid is told apart by its start stamp).
 */
export class PooledWorker implements FileWorker {
  readonly client: WorkerClient;
  readonly logs = new LogBuffer();
  readonly callbackBody = undefined;
  readonly startupBlockedMs = 0;
  /** Taking it from the pool, to its `/health` answering healthy, ms. */
  startupMs = 0;
  readyHealth?: unknown;
  private readonly unfollow: Array<() => void>;
  private stopping?: Promise<StopReport>;
  private goneAt?: number;

  constructor(
    readonly record: PoolRecord,
    options: { jobs?: JobLedger; requestTimeoutMs?: number; idleTimeoutMs?: number },
  ) {
    this.unfollow = (["stdout", "stderr"] as const).map((stream) => {
      const path = record[stream];
      return this.logs.follow(path, stream, Math.max(0, sizeOf(path) - EARLIER_OUTPUT_BYTES));
    });
    this.client = new WorkerClient(record.baseUrl, {
      requestTimeoutMs: options.requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      logTail: (n) => this.logs.tail(n),
      explainFailure: (error, requestedAt) => this.explainFailure(error, requestedAt),
      jobs: options.jobs,
    });
  }

  get baseUrl(): string {
    return this.record.baseUrl;
  }
  get port(): number {
    return this.record.port;
  }
  get pid(): number {
    return this.record.pid;
  }
  get workerId(): string {
    return this.record.workerId;
  }
  get command(): string {
    return this.record.command;
  }
  get mark(): string {
    return this.record.mark;
  }
  get shutdownGraceMs(): number {
    return this.record.graceMs;
  }

  get spec(): { binary: string; model: string; gpuDevice: number } {
    const { identity } = this.record;
    return {
      binary: identity.mode === "mock" ? "mock" : identity.binary,
      model: identity.model,
      gpuDevice: identity.device,
    };
  }

  /** Once it is gone (its exit status is not this process's to know: code and signal are null). */
  get exit(): WorkerFacts["exit"] {
    if (this.goneAt === undefined && !workerAlive(this.record)) this.goneAt = now();
    return this.goneAt === undefined ? undefined : { code: null, signal: null };
  }

  facts(waitedMs?: number, tail = 15): WorkerFacts {
    return { command: this.command, exit: this.exit, waitedMs, logTail: this.logs.tail(tail) };
  }

  async explainFailure(error: Error, requestedAt = now()): Promise<Error | undefined> {
    if (this.stopping || !this.exit) return undefined;
    const when = (this.goneAt ?? now()) < requestedAt ? "before this request was sent" : "during the request";
    return new WorkerExitedError(
      `the pooled worker process (pid ${this.pid}) is gone, ${when} (${error.message})`,
      this.facts(),
      { cause: error },
    );
  }

  /** Never holds this process open: it is no child of this process. */
  holdProcessOpen(): void {}

  /** Stops following its output files (it goes back to the pool, or is stopped). */
  detach(): void {
    for (const stop of this.unfollow) stop();
  }

  /** Stops it and its whole group (SIGTERM, then SIGKILL after the grace), and what carries its mark. Idempotent. */
  stop(): Promise<StopReport> {
    this.stopping ??= (async () => {
      const report = workerAlive(this.record)
        ? await stopGroupOf(this.pid, this.record.graceMs)
        : { ms: 0, forced: false };
      const forced = killMarked(this.mark).length > 0;
      this.detach();
      // Its lease watchdog (started when it was taken) need not be asked for again: the launcher may end.
      watchdogDone(this.pid);
      return forced ? { ...report, forced } : report;
    })();
    return this.stopping;
  }

  /** For a process that is exiting: SIGTERM to its group at once (its lease watchdog sees the rest through). */
  terminateNow(): void {
    if (workerAlive(this.record)) signal(-this.pid, "SIGTERM");
  }
}
