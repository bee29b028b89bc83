import type { JobLedger } from "../client/job-ledger";
import type { FileWorker, WorkerStartOptions } from "../worker/worker-process";
import type { ReuseSettings } from "./pool/pool";

/**
 * How a file got its worker: `"started"` for it; `"kept"`, taken over from
 * an earlier file of this process (scope `"process"`); `"ahead"`, started
 * ahead as a spare while Jest loaded the file, used by no file before;
 * `"attached"`, a worker running before the run (`url`), never stopped by it;
 * `"pooled"`, taken from the reuse pool, where an earlier run left it (`reuse`).
 */
export type WorkerOrigin = "started" | "kept" | "ahead" | "attached" | "pooled";

/** A worker handed to a test file, and how it came to be. */
export interface Acquired {
  worker: FileWorker;
  origin: WorkerOrigin;
}

/** How a file wants its worker. */
export interface AcquireHow {
  /** Scope `"file"`, the bundled mock: start the next file's worker ahead, while this one runs. Default false. */
  prestart?: boolean;
  /** Called as soon as the worker's process exists (spawned, or a spare or kept worker taken), before it is ready. */
  onUnderWay?: () => void;
  /** Called when a spare is begun for the next file (for the run's summary). */
  onSpareStart?: () => void;
  /** Scope `"process"` with `reuse`: take a worker from the pool and hand it back there at the end. */
  reuse?: ReuseSettings;
}

/**
 * The one contract of every place a test file's worker comes from: scope
 * `"file"` (started for the file), scope `"process"` (kept across files,
 * and the reuse pool behind it) and `"attached"` (a running worker at a
 * URL). Each hands out a ready worker and takes it back; which one serves a
 * file is decided in one place, `choose.ts`.
 */
export interface WorkerSource {
  /** What the run's summary calls it: the scope, or `"attached"`. */
  readonly name: "file" | "process" | "attached";
  /** A ready worker started with `options`: a fresh one, or one taken from where this source keeps them. */
  acquire(options: WorkerStartOptions, how?: AcquireHow): Promise<Acquired>;
  /** The file is done with `worker`; `jobs` are its calls (a worker with one unfinished is never handed on). */
  release(worker: FileWorker, jobs?: JobLedger): Promise<void>;
}
