import { atExit } from "../util/at-exit";
import { clearInterval, setInterval } from "../util/clock";
import { WorkerProcess, type WorkerStartOptions } from "../worker/worker-process";
import { keyOf } from "./identity";

const AHEAD = Symbol("started ahead");

/** True for the error of a start begun ahead, as a spare, that a file took (the run's summary counts it apart). */
export function failedAhead(error: unknown): boolean {
  return typeof error === "object" && error !== null && AHEAD in error;
}

interface Held {
  key: string;
  /** Resolves once the spare's process is spawned (or its start failed before). */
  spawned: Promise<void>;
  /** Aborts the start of a spare no file wants (it is stopped at once, not awaited until ready). */
  abort: AbortController;
  /** The worker once ready, or the error its start failed with (never rejects). */
  ready: Promise<WorkerProcess | Error>;
  worker?: WorkerProcess;
}

/**
 * A mock worker started ahead for the next test file of this process (scope
 * `"file"`), with the current file's options, so its Node start overlaps the
 * current file instead of delaying the next one. It is never shared: the
 * next file takes it (only when its options are the same, else it is
 * stopped) and owns it from then on, exactly like a worker it started itself.
 * At most one is held per process.
 *
 * A spare never holds the process open (its child, pipes and callback server
 * are unref'd until a file takes it). An unused one is stopped by
 * {@link Spare.stop} (global teardown, for in-band runs; a file of another
 * scope or options), else by an exit hook (SIGTERM to its group) and its
 * watchdog, which also cover Ctrl-C and a killed Jest, as for every worker.
 */
export class Spare {
  private held?: Held;
  /** Stops of spares that no file took, still under way. */
  private readonly stopping = new Set<Promise<unknown>>();
  private unhook?: () => void;

  /**
   * Starts a spare with `options` (replacing a held one), telling `onStart`;
   * resolves once its process is spawned. Never rejects: a start that fails
   * is kept as its error, for the file that takes the spare.
   */
  prepare(options: WorkerStartOptions, onStart?: () => void): Promise<void> {
    this.discard();
    onStart?.();
    const { jobs: _jobs, onSpawn: _onSpawn, ...rest } = options;
    const abort = new AbortController();
    let spawned = () => {};
    const held: Held = {
      key: keyOf(options),
      abort,
      spawned: new Promise<void>((resolve) => (spawned = resolve)),
      ready: WorkerProcess.start({
        ...rest,
        unref: true,
        signal: abort.signal,
        onSpawn: () => spawned(),
      }).then(
        (worker) => (held.worker = worker),
        (error: Error) => error,
      ),
    };
    void held.ready.then(() => spawned());
    this.held = held;
    // An exiting process cannot await a stop; a spare still starting is its watchdog's.
    this.unhook ??= atExit(() => this.held?.worker?.terminateNow());
    return held.spawned;
  }

  /**
   * Takes the held spare when it was started with the same options as
   * `options`: undefined at once when there is none (a held one with other
   * options is stopped); else when its process is spawned, and the worker
   * once ready: undefined when it has died since, a rejection with the error
   * its start failed with (a fresh start with the same options would only
   * fail the same way, after the same wait).
   */
  take(
    options: WorkerStartOptions,
  ): { spawned: Promise<void>; ready: Promise<WorkerProcess | undefined> } | undefined {
    const held = this.held;
    if (!held) return undefined;
    if (held.key !== keyOf(options)) {
      this.discard();
      return undefined;
    }
    this.held = undefined;
    const ready = (async () => {
      // Everything of a spare is unref'd: while it finishes starting, something must keep this process alive.
      const keepAlive = setInterval(() => undefined, 60_000);
      const worker = await held.ready.finally(() => clearInterval(keepAlive));
      if (worker instanceof Error) throw Object.assign(worker, { [AHEAD]: true });
      if (worker.exit) {
        await worker.stop();
        return undefined;
      }
      worker.holdProcessOpen(true); // from now on it is the taking file's, like a worker it started itself
      return worker;
    })();
    return { spawned: held.spawned, ready };
  }

  /** Stops the held spare, if any, and waits for every spare stop under way. */
  async stop(): Promise<void> {
    this.discard();
    await Promise.all(this.stopping);
  }

  /** Stops the held spare in the background: a start under way is abandoned, a ready one stopped. */
  private discard(): void {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    held.abort.abort();
    const stop = held.ready
      .then((w) => (w instanceof Error ? undefined : w.stop()))
      .finally(() => this.stopping.delete(stop));
    this.stopping.add(stop);
  }
}

/** The spare of this process, shared by both scopes (at most one per process). */
export const spare = new Spare();

/** A spare is only ever the bundled mock on a free port (a real worker would load the model on the GPU twice). */
export const canPrestart = (options: WorkerStartOptions) =>
  options.binary === "mock" && options.port === undefined;
