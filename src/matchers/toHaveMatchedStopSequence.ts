import { eventMatcher } from "./message";
import { checkMatchedStopSequence } from "./rules";

/** An `end` with stop reason stop_sequence whose `stop_sequence_matched` is `sequence`. */
export const toHaveMatchedStopSequence = eventMatcher(
  "toHaveMatchedStopSequence",
  checkMatchedStopSequence,
  (ctx, sequence: string) => ctx.utils.printExpected(sequence),
);
