import type { MatcherContext } from "expect";
import { notReadyBecause } from "../protocol/health";

/** A `/health` body, minimal or full, with status "healthy" and, where reported, `resident: true`. */
export function toBeHealthy(this: MatcherContext, received: unknown) {
  const problem = notReadyBecause(received);
  const pass = problem === undefined;
  return {
    pass,
    message: () =>
      `${this.utils.matcherHint("toBeHealthy", "health", "", { isNot: this.isNot, promise: this.promise })}\n\n` +
      (pass ? "Expected an unhealthy body, but it is healthy" : `Expected a healthy body, but ${problem}`) +
      `\n\nReceived: ${this.utils.printReceived(received)}`,
  };
}
