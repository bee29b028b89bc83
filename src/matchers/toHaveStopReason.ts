import { eventMatcher } from "./message";
import { checkStopReason } from "./rules";

/** The `end` event's stop reason, compared case-insensitively (some builds send MAX_TOKENS). */
export const toHaveStopReason = eventMatcher("toHaveStopReason", checkStopReason, (ctx, reason: string) =>
  ctx.utils.printExpected(reason),
);
