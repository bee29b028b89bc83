import type { JobLedger } from "../client/job-ledger";
import type { ResolvedOptions, WorkerScope as ScopeName } from "../config/options";
import { type FileWorker, WorkerProcess, type WorkerStartOptions } from "../worker/worker-process";
import { attachScope } from "./attach";
import { answersHealthy } from "./health-check";
import { keyOf } from "./key";
import { finishingStops, letGo } from "./let-go";
import { canPrestart, spare } from "./spare";

/**
 * How a file got its worker: `"started"` for it; `"reused"`, taken over from
 * an earlier file of this process (scope `"process"`); `"ahead"`, started
 * ahead as a spare while Jest loaded the file, used by no file before;
 * `"attached"`, a worker running before the run (`url`), never stopped by it.
 */
export type WorkerOrigin = "started" | "reused" | "ahead" | "attached";

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
}

/** How a test file gets its worker and gives it back. */
export interface WorkerScope {
  readonly name: ScopeName;
  /** A ready worker started with `options`: a fresh one, or (scope `"process"`) an idle one of this process. */
  acquire(options: WorkerStartOptions, how?: AcquireHow): Promise<Acquired>;
  /** The file is done with `worker`; `jobs` are its calls (a worker with one unfinished is never handed on). */
  release(worker: FileWorker, jobs?: JobLedger): Promise<void>;
}

/** How long a kept worker may take to answer `/health` before it is replaced. */
const HEALTH_CHECK_MS = 2_000;

/** True when a kept worker is alive and answers `/health` healthy within {@link HEALTH_CHECK_MS}; else it is replaced. */
async function usable(worker: WorkerProcess): Promise<boolean> {
  return !worker.exit && (await answersHealthy(worker.client, HEALTH_CHECK_MS)) && !worker.exit;
}

/**
 * Scope `"process"`: a Jest worker process keeps one worker across the files
 * it runs. A file takes it over when it is alive, healthy, idle and was
 * started with the same options; otherwise the kept one is stopped and a
 * fresh one started (at most one worker is kept, so two never share a GPU).
 * A file that leaves a call unfinished, or whose worker died, hands nothing
 * on. The kept worker is stopped when the process ends: by
 * {@link stopKeptWorkers} (global teardown, for in-band runs), else by an
 * exit hook (SIGTERM to its group) and the worker's watchdog (SIGKILL after
 * the grace, and the environment-mark sweep), which also cover Ctrl-C and a
 * killed Jest.
 */
class ProcessScope implements WorkerScope {
  readonly name = "process" as const;
  private kept?: { key: string; worker: WorkerProcess };
  private readonly keys = new WeakMap<WorkerProcess, string>();
  private hooked = false;

  async acquire(options: WorkerStartOptions, how: AcquireHow = {}): Promise<Acquired> {
    const key = keyOf(options);
    const kept = this.kept;
    this.kept = undefined;
    if (kept) {
      if (kept.key === key && (await usable(kept.worker))) {
        void spare.stop(); // this process keeps its worker: a spare is not needed
        kept.worker.holdProcessOpen(true);
        return { worker: kept.worker, origin: "reused" };
      }
      await letGo(kept.worker);
    }
    // A worker started ahead (the first of an in-band run, or a spare of a file of scope "file") is fresh: take it.
    const taking = spare.take(options);
    if (taking) void taking.spawned.then(how.onUnderWay);
    const taken = taking && (await taking.ready);
    const worker = taken ?? (await WorkerProcess.start({ ...options, onSpawn: how.onUnderWay }));
    this.keys.set(worker, key);
    return { worker, origin: taken ? "ahead" : "started" };
  }

  async release(released: FileWorker, jobs?: JobLedger): Promise<void> {
    const worker = released as WorkerProcess; // this scope only ever hands out its own processes
    const key = this.keys.get(worker);
    if (key === undefined || worker.exit || (jobs && !jobs.settled)) {
      await letGo(worker);
      return;
    }
    if (this.kept && this.kept.worker !== worker) await letGo(this.kept.worker);
    this.kept = { key, worker };
    // Kept between files, it must not hold the process open: a Jest worker process ends once its loop is empty.
    worker.holdProcessOpen(false);
    if (!this.hooked) {
      this.hooked = true;
      process.once("exit", () => this.kept?.worker.terminateNow());
    }
  }

  /** Stops the kept worker, if any. */
  async stopKept(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    await kept?.worker.stop();
  }
}

const processScope = new ProcessScope();

/**
 * Scope `"file"`: every file has a worker of its own, stopped at its
 * teardown. With `prestart` (the mock), the next file's worker is started
 * ahead while this one runs (see {@link spare}).
 */
const fileScope: WorkerScope = {
  name: "file",
  acquire: async (options, how = {}) => {
    await processScope.stopKept(); // a worker kept by earlier files must not share the GPU with this one
    const prestart = how.prestart === true && canPrestart(options);
    const taking = spare.take(options);
    if (taking) {
      // Most often ready by now. The next spare begins at once, and setup goes on only once both processes
      // exist: Jest's synchronous loading of the test file, which comes next, would hold up their spawn.
      const next = prestart ? spare.prepare(options, how.onSpareStart) : undefined;
      void Promise.all([taking.spawned, next]).then(() => how.onUnderWay?.());
      // A spare whose start failed fails this file at once: a fresh start would fail the same way, after
      // the same wait. The next spare, begun with the same options, fails the next file as fast.
      const taken = await taking.ready;
      if (taken) return { worker: taken, origin: "ahead" };
    }
    const worker = await WorkerProcess.start({ ...options, onSpawn: how.onUnderWay });
    if (prestart && !taking) void spare.prepare(options, how.onSpareStart);
    return { worker, origin: "started" };
  },
  release: async (worker) => {
    await letGo(worker as WorkerProcess); // this scope only ever hands out its own processes
  },
};

/** The scope object for a scope name (one `"process"` scope per Node process). */
export function workerScope(name: ScopeName): WorkerScope {
  return name === "process" ? processScope : fileScope;
}

/**
 * Where a file's worker comes from, for its resolved options: attached to a
 * running one when `url` is set, else started by scope `"file"` or `"process"`.
 */
export function scopeFor(
  options: Pick<
    ResolvedOptions,
    "urls" | "headers" | "scope" | "startupTimeoutMs" | "requestTimeoutMs" | "idleTimeoutMs"
  >,
  file?: string,
): WorkerScope {
  if (options.urls.length === 0) return workerScope(options.scope);
  return attachScope({ ...options, file });
}

/** Stops the worker this process keeps for scope `"process"` and any spare, and sees every stop under way through (global teardown of an in-band run). */
export async function stopKeptWorkers(): Promise<void> {
  await Promise.all([processScope.stopKept(), spare.stop(), finishingStops()]);
}
