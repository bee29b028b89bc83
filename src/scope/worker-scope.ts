import type { JobLedger } from "../client/job-ledger";
import type { WorkerScope as ScopeName } from "../config/options";
import { WorkerProcess, type WorkerStartOptions } from "../worker/worker-process";

/** A worker handed to a test file, and whether an earlier file of this process used it already. */
export interface Acquired {
  worker: WorkerProcess;
  reused: boolean;
}

/** How a test file gets its worker and gives it back. */
export interface WorkerScope {
  readonly name: ScopeName;
  /** A ready worker started with `options`: a fresh one, or (scope `"process"`) an idle one of this process. */
  acquire(options: WorkerStartOptions): Promise<Acquired>;
  /** The file is done with `worker`; `jobs` are its calls (a worker with one unfinished is never handed on). */
  release(worker: WorkerProcess, jobs?: JobLedger): Promise<void>;
}

/** How long a kept worker may take to answer `/health` before it is replaced. */
const HEALTH_CHECK_MS = 2_000;

/** The start options that make two workers interchangeable (the calls ledger aside). */
function keyOf(options: WorkerStartOptions): string {
  const { jobs: _jobs, ...rest } = options;
  const record = rest as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k]]),
  );
}

/** True when a kept worker is alive and answers `/health` healthy within {@link HEALTH_CHECK_MS}. */
async function usable(worker: WorkerProcess): Promise<boolean> {
  if (worker.exit) return false;
  try {
    const health = await worker.client.health({ timeoutMs: HEALTH_CHECK_MS });
    return health.status === "healthy" && !worker.exit;
  } catch {
    return false; // dead, blocked by a job (the last real builds), or unhealthy: replace it
  }
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

  async acquire(options: WorkerStartOptions): Promise<Acquired> {
    const key = keyOf(options);
    const kept = this.kept;
    this.kept = undefined;
    if (kept) {
      if (kept.key === key && (await usable(kept.worker))) return { worker: kept.worker, reused: true };
      await kept.worker.stop();
    }
    const worker = await WorkerProcess.start(options);
    this.keys.set(worker, key);
    return { worker, reused: false };
  }

  async release(worker: WorkerProcess, jobs?: JobLedger): Promise<void> {
    const key = this.keys.get(worker);
    if (key === undefined || worker.exit || (jobs && !jobs.settled)) {
      await worker.stop();
      return;
    }
    if (this.kept && this.kept.worker !== worker) await this.kept.worker.stop();
    this.kept = { key, worker };
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

/** Scope `"file"`: every file starts its own worker and stops it at teardown. */
const fileScope: WorkerScope = {
  name: "file",
  acquire: async (options) => {
    await processScope.stopKept(); // a worker kept by earlier files must not share the GPU with this one
    return { worker: await WorkerProcess.start(options), reused: false };
  },
  release: async (worker) => {
    await worker.stop();
  },
};

/** The scope object for a scope name (one `"process"` scope per Node process). */
export function workerScope(name: ScopeName): WorkerScope {
  return name === "process" ? processScope : fileScope;
}

/** Stops the worker this process keeps for scope `"process"` (global teardown of an in-band run). */
export function stopKeptWorkers(): Promise<void> {
  return processScope.stopKept();
}
