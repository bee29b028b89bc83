import type { MatcherContext } from "expect";
import { awaitGuard } from "./await-guard";

/** Every matcher's type, by name (each lives in a file of its own name). */
type All = {
  toHaveValidEventOrder: typeof import("./toHaveValidEventOrder").toHaveValidEventOrder;
  toCompleteSuccessfully: typeof import("./toCompleteSuccessfully").toCompleteSuccessfully;
  toHaveTokenCount: typeof import("./toHaveTokenCount").toHaveTokenCount;
  toHaveStopReason: typeof import("./toHaveStopReason").toHaveStopReason;
  toHaveMatchedStopSequence: typeof import("./toHaveMatchedStopSequence").toHaveMatchedStopSequence;
  toFailWithCode: typeof import("./toFailWithCode").toFailWithCode;
  toHaveText: typeof import("./toHaveText").toHaveText;
  toHaveFirstTokenWithin: typeof import("./toHaveFirstTokenWithin").toHaveFirstTokenWithin;
  toStreamAtLeast: typeof import("./toStreamAtLeast").toStreamAtLeast;
  toBeHealthy: typeof import("./toBeHealthy").toBeHealthy;
  toBeRejectedFor: typeof import("./toBeRejectedFor").toBeRejectedFor;
  toMatchTranscript: typeof import("./toMatchTranscript").toMatchTranscript;
};

const NAMES: (keyof All)[] = [
  "toHaveValidEventOrder",
  "toCompleteSuccessfully",
  "toHaveTokenCount",
  "toHaveStopReason",
  "toHaveMatchedStopSequence",
  "toFailWithCode",
  "toHaveText",
  "toHaveFirstTokenWithin",
  "toStreamAtLeast",
  "toBeHealthy",
  "toBeRejectedFor",
  "toMatchTranscript",
];

type AnyMatcher = (
  this: MatcherContext,
  received: unknown,
  ...args: never[]
) => { pass: boolean; message: () => string };

/**
 * A matcher that loads its module on first use: the preset registers every
 * matcher in every test file, and a file pays only for those it calls.
 */
function lazy(name: keyof All): AnyMatcher {
  let real: AnyMatcher | undefined;
  return function (this: MatcherContext, received: unknown, ...args: never[]) {
    real ??= (require(`./${name}`) as Record<string, AnyMatcher>)[name];
    return real.call(this, received, ...args);
  };
}

/** Every matcher, for `expect.extend(matchers)`; each says "did you forget `await`?" when given a Promise. */
export const matchers = Object.fromEntries(
  NAMES.map((name) => [name, awaitGuard(name, lazy(name))]),
) as unknown as All;
