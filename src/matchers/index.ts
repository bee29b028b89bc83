import { awaitGuard } from "./await-guard";
import { toBeHealthy } from "./toBeHealthy";
import { toBeRejectedFor } from "./toBeRejectedFor";
import { toCompleteSuccessfully } from "./toCompleteSuccessfully";
import { toFailWithCode } from "./toFailWithCode";
import { toHaveFirstTokenWithin } from "./toHaveFirstTokenWithin";
import { toHaveMatchedStopSequence } from "./toHaveMatchedStopSequence";
import { toHaveStopReason } from "./toHaveStopReason";
import { toHaveText } from "./toHaveText";
import { toHaveTokenCount } from "./toHaveTokenCount";
import { toHaveValidEventOrder } from "./toHaveValidEventOrder";
import { toStreamAtLeast } from "./toStreamAtLeast";

const all = {
  toHaveValidEventOrder,
  toCompleteSuccessfully,
  toHaveTokenCount,
  toHaveStopReason,
  toHaveMatchedStopSequence,
  toFailWithCode,
  toHaveText,
  toHaveFirstTokenWithin,
  toStreamAtLeast,
  toBeHealthy,
  toBeRejectedFor,
};

/** Every matcher, for `expect.extend(matchers)`; each says "did you forget `await`?" when given a Promise. */
export const matchers = Object.fromEntries(
  Object.entries(all).map(([name, matcher]) => [name, awaitGuard(name, matcher as never)]),
) as unknown as typeof all;
