import { eventMatcher } from "./message";
import { checkSuccess } from "./rules";

/** A valid event order ending with `end` whose stop reason is max_tokens, eos or stop_sequence. */
export const toCompleteSuccessfully = eventMatcher("toCompleteSuccessfully", checkSuccess);
