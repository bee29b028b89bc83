import type { MatcherContext } from "expect";
import { type CleanStop, describeStop, stopProblems } from "../worker/clean-stop";

/** Options of {@link toHaveStoppedCleanly}. */
export interface CleanStopBounds {
  /** The worker must have exited within this many ms of SIGTERM (default: the grace its stop gave it). */
  withinMs?: number;
}

const isCleanStop = (value: unknown): value is CleanStop =>
  !!value && typeof value === "object" && Array.isArray((value as CleanStop).survivors);

/**
 * A worker the test stopped went cleanly: after SIGTERM to its own process
 * it exited with code 0 within its grace (or `withinMs`), left no process
 * of its tree behind (descendants that left its group included), and, where
 * nvidia-smi could be read, gave back the GPU memory its tree held. Takes a
 * stopped `WorkerTestHarness` (after `await harness.stop()`) or the report
 * `harness.stop()` resolved with; the message shows what was measured.
 */
export function toHaveStoppedCleanly(this: MatcherContext, received: unknown, bounds: CleanStopBounds = {}) {
  const hint = () =>
    this.utils.matcherHint("toHaveStoppedCleanly", "harness", "", {
      isNot: this.isNot,
      promise: this.promise,
    });
  const held = received && typeof received === "object" && "lastStop" in received;
  const stop = held ? (received as { lastStop?: unknown }).lastStop : received;
  if (!isCleanStop(stop)) {
    const why = held
      ? stop === undefined
        ? "the harness has not been stopped yet: `await harness.stop()` first"
        : "the harness's stop was not measured (it was stopped another way first, e.g. at the file's teardown)"
      : `expected a stopped WorkerTestHarness or the report \`await harness.stop()\` gave, got ${this.utils.printReceived(received)}`;
    return { pass: false, message: () => `${hint()}\n\n${why}` };
  }
  const { withinMs } = bounds;
  if (withinMs !== undefined && !(typeof withinMs === "number" && withinMs >= 0))
    return {
      pass: false,
      message: () => `${hint()}\n\nwithinMs must be a number of ms >= 0, got ${JSON.stringify(withinMs)}`,
    };
  const problems = stopProblems(stop);
  if (withinMs !== undefined && stop.exitMs !== undefined && stop.exitMs > withinMs)
    problems.unshift(`it took ${stop.exitMs} ms to exit, over withinMs ${withinMs}`);
  const measured = `Measured: ${describeStop(stop)}`;
  return problems.length === 0
    ? { pass: true, message: () => `${hint()}\n\nExpected an unclean stop, but it was clean.\n${measured}` }
    : {
        pass: false,
        message: () =>
          `${hint()}\n\nThe worker (pid ${stop.pid}) did not stop cleanly:\n${problems.map((p) => `  - ${p}`).join("\n")}\n${measured}`,
      };
}
