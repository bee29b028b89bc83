import { AsyncLocalStorage } from "node:async_hooks";
import { now } from "../util/clock";
import type { JobRecord } from "./job-stats";

/** One `/execute` call in flight. */
export interface JobEntry {
  readonly jobId: string;
  /** Who started it (the running test's name), when known. */
  readonly owner?: string;
  /** Aborts the call (the client combines it with the caller's signal). */
  readonly controller: AbortController;
  readonly startedAt: number;
  /**
   * `"job"`: a call that can start a job on the worker (`POST /execute`, raw
   * or not); one stopped before its answer ended counts as abandoned.
   * `"request"`: any other route; ending it early leaves nothing running.
   */
  readonly kind: "job" | "request";
  /** When the worker's answer (its status line and headers) came, once it has. */
  answeredAt?: number;
  /** The collecting promise of `execute()`, so an abort can mark it handled. */
  promise?: Promise<unknown>;
}

/** A job a client stopped reading before its terminal event: the worker may still be finishing it. */
interface Abandoned {
  owner?: string;
  at: number;
}

/** A request ended because the test that started it ended first. */
export class JobAbandonedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JobAbandonedError";
  }
}

const KEEP_ABANDONED = 64;

/**
 * The `/execute` calls made against one worker (or one environment's
 * workers): which are in flight, who started them, and which were abandoned
 * before their terminal event. The client uses it to tell a worker still
 * finishing an abandoned job (wait briefly and retry) from one busy with
 * somebody else's (say whose); the Jest environment uses it to end every
 * request a test started when that test ends.
 *
 * Plain data and methods only: the environment and test code load separate
 * copies of the package, and both use the same ledger object.
 */
export class JobLedger {
  /** Name of the running test; set by the environment, read when a call begins (see {@link currentOwner}). */
  owner?: string;
  /**
   * The test whose code is running, for tests that overlap (`test.concurrent`):
   * the environment runs each such test's function inside it, so a call is
   * owned by the test that made it, not by whichever test started last.
   */
  readonly context = new AsyncLocalStorage<string>();
  /**
   * Receives what each `execute()`/`stream()` call measured, when set (the
   * Jest environment sets it for the run report). Unset, calls measure nothing.
   */
  onJob?: (record: JobRecord) => void;
  private readonly active = new Set<JobEntry>();
  private readonly abandoned = new Map<string, Abandoned>();

  /** The test that is making a call now: the concurrent test whose code runs, else the running test. */
  currentOwner(): string | undefined {
    return this.context.getStore() ?? this.owner;
  }

  /** Records a call that is starting. */
  begin(jobId: string, kind: JobEntry["kind"] = "job"): JobEntry {
    const entry: JobEntry = {
      jobId,
      kind,
      owner: this.currentOwner(),
      controller: new AbortController(),
      startedAt: now(),
    };
    this.active.add(entry);
    return entry;
  }

  /** Records the end of a call; `complete` is false when it stopped before the terminal event. */
  finish(entry: JobEntry, complete: boolean): void {
    this.active.delete(entry);
    if (entry.kind === "request") return;
    if (complete) {
      this.abandoned.delete(entry.jobId);
      return;
    }
    this.abandoned.set(entry.jobId, { owner: entry.owner, at: now() });
    if (this.abandoned.size > KEEP_ABANDONED) this.abandoned.delete(this.abandoned.keys().next().value!);
  }

  /** True when no call is in flight and none was abandoned: the worker has no job of this ledger's clients left. */
  get settled(): boolean {
    return this.abandoned.size === 0 && ![...this.active].some((e) => e.kind === "job");
  }

  /** Job ids of the calls in flight and of those abandoned: what may still run on the worker. */
  unfinished(): string[] {
    const ids = [...this.active].filter((e) => e.kind === "job").map((e) => e.jobId);
    return [...new Set([...ids, ...this.abandoned.keys()])];
  }

  /** True when this job was abandoned by a client of this ledger (the worker may still be stopping it). */
  wasAbandoned(jobId: string): boolean {
    return this.abandoned.has(jobId);
  }

  /**
   * Aborts every call in flight that `owner` started (all calls when `owner`
   * is undefined); their promises are marked handled, since nobody awaits
   * them any more. Returns the job ids aborted.
   */
  abortOwnedBy(owner: string | undefined, why: string): string[] {
    const ended: string[] = [];
    for (const entry of this.active) {
      if (owner !== undefined && entry.owner !== owner) continue;
      entry.promise?.catch(() => undefined);
      entry.controller.abort(
        new JobAbandonedError(`the request for job ${JSON.stringify(entry.jobId)} was ended: ${why}`),
      );
      ended.push(entry.jobId);
    }
    return ended;
  }

  /** Who started a job, for a busy worker's message: `started by test "x" (ended 120 ms ago)`, or undefined. */
  describe(jobId: string): string | undefined {
    const at = now();
    const current = this.currentOwner();
    for (const entry of this.active) {
      if (entry.jobId !== jobId || entry.kind !== "job") continue;
      const who = entry.owner === undefined ? "outside any test" : `by test ${JSON.stringify(entry.owner)}`;
      const same = entry.owner !== undefined && entry.owner === current ? " (this test)" : "";
      return `started ${who}${same} ${Math.round(at - entry.startedAt)} ms ago and still streaming`;
    }
    const gone = this.abandoned.get(jobId);
    if (!gone) return undefined;
    const who = gone.owner === undefined ? "outside any test" : `by test ${JSON.stringify(gone.owner)}`;
    return `started ${who} and abandoned ${Math.round(at - gone.at)} ms ago; the worker has not stopped it yet`;
  }
}

/**
 * `fn` run inside `ledger`'s context under `owner`: every call it makes is
 * owned by that test even while other tests run beside it. Keeps `fn`'s
 * arity (Jest tells a done-callback test by it).
 */
export function ownedBy<F extends (...args: never[]) => unknown>(ledger: JobLedger, owner: string, fn: F): F {
  const owned = function (this: unknown, ...args: Parameters<F>) {
    return ledger.context.run(owner, () => fn.apply(this, args));
  };
  Object.defineProperty(owned, "length", { value: fn.length });
  return owned as unknown as F;
}
