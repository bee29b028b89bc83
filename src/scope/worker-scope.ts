import type { JobLedger } from "../client/job-ledger";
import type { WorkerScope as ScopeName } from "../config/options";
import { atExit } from "../util/at-exit";
import { type FileWorker, WorkerProcess, type WorkerStartOptions } from "../worker/worker-process";
import { answersHealthy } from "./health-check";
import { keyOf } from "./identity";
import { finishingStops, letGo } from "./let-go";
import { type PoolWorker, type ReuseSettings, WorkerPool } from "./pool/pool";
import type { Acquired, AcquireHow, WorkerSource } from "./source";
import { canPrestart, spare } from "./spare";

/** True when a kept worker is alive and answers `/health` idle in time; else it is replaced. */
async function usable(worker: PoolWorker): Promise<boolean> {
  return !worker.exit && (await answersHealthy(worker.client)) && !worker.exit;
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
class ProcessScope implements WorkerSource {
  readonly name = "process" as const;
  private kept?: { key: string; worker: PoolWorker };
  private readonly keys = new WeakMap<PoolWorker, string>();
  private unhook?: () => void;
  /** The reuse pool, once a file asked for `reuse`. */
  private pool?: WorkerPool;
  private toldWhy = false;

  async acquire(options: WorkerStartOptions, how: AcquireHow = {}): Promise<Acquired> {
    const key = keyOf(options);
    const kept = this.kept;
    this.kept = undefined;
    if (kept) {
      if (kept.key === key && (await usable(kept.worker))) {
        void spare.stop(); // this process keeps its worker: a spare is not needed
        kept.worker.holdProcessOpen(true);
        return { worker: kept.worker, origin: "kept" };
      }
      await this.end(kept.worker);
    }
    if (how.reuse) return this.fromPool(options, key, how.reuse, how.onUnderWay);
    // A worker started ahead (the first of an in-band run, or a spare of a file of scope "file") is fresh: take it.
    const taking = spare.take(options);
    if (taking) void taking.spawned.then(how.onUnderWay);
    const taken = taking && (await taking.ready);
    const worker = taken ?? (await WorkerProcess.start({ ...options, onSpawn: how.onUnderWay }));
    this.keys.set(worker, key);
    return { worker, origin: taken ? "ahead" : "started" };
  }

  /** Scope `"process"` with `reuse`: a worker from the pool, else one started so that it can enter the pool. */
  private async fromPool(
    options: WorkerStartOptions,
    key: string,
    reuse: ReuseSettings,
    onUnderWay?: () => void,
  ): Promise<Acquired> {
    void spare.stop(); // a pooled worker is never started ahead
    this.pool ??= new WorkerPool();
    const got = await this.pool.acquire(options, reuse, (extra) =>
      WorkerProcess.start({ ...options, ...extra, onSpawn: onUnderWay }),
    );
    if (got.pooled) onUnderWay?.();
    if (got.why && !this.toldWhy) {
      this.toldWhy = true;
      process.stderr.write(`worker-orcd-jest: not reused: ${got.why}; a new worker was started\n`);
    }
    this.keys.set(got.worker, key);
    return { worker: got.worker, origin: got.pooled ? "pooled" : "started" };
  }

  async release(released: FileWorker, jobs?: JobLedger): Promise<void> {
    const worker = released as PoolWorker; // this scope only ever hands out its own processes and pooled workers
    const key = this.keys.get(worker);
    if (key === undefined || worker.exit || (jobs && !jobs.settled)) {
      await this.end(worker);
      return;
    }
    if (this.kept && this.kept.worker !== worker) await this.end(this.kept.worker);
    this.kept = { key, worker };
    // Kept between files, it must not hold the process open: a Jest worker process ends once its loop is empty.
    worker.holdProcessOpen(false);
    this.unhook ??= atExit(() => {
      const last = this.kept?.worker;
      if (last && !this.pool?.keep(last)) last.terminateNow();
    });
  }

  /** Stops a worker this process is done with (a pooled one is forgotten by the pool first). */
  private async end(worker: PoolWorker): Promise<void> {
    this.pool?.forget(worker);
    await letGo(worker);
  }

  /** Hands the kept worker to the reuse pool when it came from there (or was started for it), else stops it. */
  async stopKept(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    if (kept && !this.pool?.keep(kept.worker)) await kept.worker.stop();
  }
}

const processScope = new ProcessScope();

/**
 * Scope `"file"`: every file has a worker of its own, stopped at its
 * teardown. With `prestart` (the mock), the next file's worker is started
 * ahead while this one runs (see {@link spare}).
 */
const fileScope: WorkerSource = {
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
export function workerScope(name: ScopeName): WorkerSource {
  return name === "process" ? processScope : fileScope;
}

/** Stops the worker this process keeps for scope `"process"` and any spare, and sees every stop under way through (global teardown of an in-band run). */
export async function stopKeptWorkers(): Promise<void> {
  await Promise.all([processScope.stopKept(), spare.stop(), finishingStops()]);
}
