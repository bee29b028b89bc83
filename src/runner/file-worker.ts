import type { JobLedger } from "../client/job-ledger";
import type { ResolvedOptions } from "../config/options";
import type { WorkerRecord } from "../report/types";
import { workerRecord } from "../report/worker-record";
import {
  noteAttachFailure,
  noteSpareStarted,
  noteStartFailed,
  noteWorkerUnused,
  noteWorkerUse,
  seenAttachFailure,
} from "../run/state";
import { pickUrl, sourceFor } from "../scope/choose";
import { type WorkerPlan, workerStartOptions } from "../scope/plan";
import type { WorkerOrigin, WorkerSource } from "../scope/source";
import { failedAhead } from "../scope/spare";
import type { FileWorker } from "../worker/worker-process";
import { moreFilesFollow } from "./run-shape";

/** What a test file's worker slot needs to know. */
export interface FileWorkerInput {
  plan: WorkerPlan;
  options: ResolvedOptions;
  rootDir: string;
  /** The file, as the run names it (from the run's root). */
  file: string;
  /** The file's calls: a worker with one unfinished is never handed on. */
  jobs: JobLedger;
}

/**
 * A test file's worker, from the source {@link sourceFor} chooses to the
 * moment it goes back: begun early for the mock (while Jest loads the
 * file), or once a test will run; taken by the file, or handed back unused;
 * released at teardown. A start that fails becomes the error every test of
 * the file shows, never a rejection.
 */
export class FileWorkerSlot {
  /** The worker the file's tests use, once taken. */
  worker?: FileWorker;
  /** How it came to this file. */
  origin: WorkerOrigin = "started";
  /** Why the worker could not be had: every test of the file fails with it. */
  startError?: Error;
  private source?: WorkerSource;
  private starting?: Promise<FileWorker | Error>;

  constructor(private readonly input: FileWorkerInput) {}

  /** True once a start is under way (begun early, or by {@link take}). */
  get begun(): boolean {
    return this.starting !== undefined;
  }

  /** Begins the start; resolves to the worker or to the error to show for every test (never rejects). */
  begin(onUnderWay?: () => void): Promise<FileWorker | Error> {
    this.starting ??= this.start(onUnderWay);
    return this.starting;
  }

  /**
   * The file is about to run its tests (`runnable`), or has none to run: the
   * worker is taken (or its error kept), or handed back unused.
   */
  async take(runnable: boolean): Promise<void> {
    if (!runnable && !this.starting) return;
    const started = await this.begin();
    if (!runnable) {
      if (!(started instanceof Error)) {
        noteWorkerUnused();
        await this.source!.release(started);
      }
      this.starting = undefined;
      return;
    }
    if (started instanceof Error) this.startError = started;
    else this.worker = started;
  }

  /** Gives the worker back at the file's end (one begun early and never taken is counted apart). */
  async release(): Promise<void> {
    const worker = this.worker ?? (this.starting ? await this.starting : undefined);
    if (!this.worker && worker && !(worker instanceof Error)) noteWorkerUnused();
    if (worker && !(worker instanceof Error)) await this.source!.release(worker, this.input.jobs);
  }

  /** The run report's record of the file's own worker, when it had one. */
  records(): WorkerRecord[] {
    if (!this.worker) return [];
    // The report's `reused`: not started for this file (kept from an earlier file, or taken from the pool).
    const reused = this.origin === "kept" || this.origin === "pooled";
    return [
      workerRecord("env", this.worker, {
        kind: this.input.plan.kind,
        reused,
        ahead: this.origin === "ahead",
      }),
    ];
  }

  private async start(onUnderWay?: () => void): Promise<FileWorker | Error> {
    const { plan, options, rootDir, file, jobs } = this.input;
    const fail = (why: string) => {
      const message = `worker-orcd-jest could not start the ${plan.kind} worker for ${file}: ${why}`;
      return Object.assign(new Error(message), { stack: message });
    };
    let url: string | undefined;
    try {
      this.source = sourceFor(options, file);
      // An attached worker an earlier file of this run could not use fails this file at once, for the same reason.
      url = plan.kind === "attached" ? pickUrl(options.urls) : undefined;
      const seen = url === undefined ? undefined : seenAttachFailure(url);
      if (seen) return fail(`${seen} (found by an earlier file of this run; not tried again)`);
      const acquired = await this.source.acquire(
        { ...workerStartOptions(plan, options, rootDir), jobs },
        {
          prestart: plan.kind === "mock" && options.prestart && moreFilesFollow(),
          onUnderWay,
          onSpareStart: () => noteSpareStarted(),
          reuse: options.reuse ? { idleMs: options.reuseIdleMs } : undefined,
        },
      );
      this.origin = acquired.origin;
      noteWorkerUse(this.source.name, this.origin);
      return acquired.worker;
    } catch (error) {
      noteStartFailed(failedAhead(error));
      const why = (error as Error).message;
      if (url !== undefined) noteAttachFailure(url, why);
      return fail(why);
    }
  }
}
