import { eventMatcher } from "./message";
import { checkTokenCount, type TokenCountExpectation } from "./rules";

/** The number of `token` events: exactly `n`, or within `{ atLeast, atMost }`. */
export const toHaveTokenCount = eventMatcher(
  "toHaveTokenCount",
  checkTokenCount,
  (ctx, expected: TokenCountExpectation) => ctx.utils.printExpected(expected),
);
