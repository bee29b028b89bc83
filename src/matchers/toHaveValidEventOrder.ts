import { eventMatcher } from "./message";
import { checkEventOrder } from "./rules";

/** Every ordering rule of docs/protocol.md: started first, only token/metrics between, exactly one terminal event and it is last, token indices 0, 1, 2, ..., tokens_out equals the token count. */
export const toHaveValidEventOrder = eventMatcher("toHaveValidEventOrder", checkEventOrder);
