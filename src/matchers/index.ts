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

/** Every matcher, for `expect.extend(matchers)`. */
export const matchers = {
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
