import { eventMatcher } from "./message";
import { checkFailure } from "./rules";

/**
 * A terminal `error` with this code. `INFERENCE_TIMEOUT` accepts the legacy
 * `TIMEOUT`; `CANCELLED` also accepts `end` with stop reason `cancelled`. A
 * lone `error` (no `started`) is read too.
 */
export const toFailWithCode = eventMatcher("toFailWithCode", checkFailure, (ctx, code: string) =>
  ctx.utils.printExpected(code),
);
