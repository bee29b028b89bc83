import type { MatcherContext } from "expect";
import { awaitGuard } from "./await-guard";

/**
 * Each matcher, loaded from its own file on first use: the preset registers
 * every matcher in every test file, and a file pays only for those it calls.
 */
const LOADERS = {
  toHaveValidEventOrder: () =>
    (require("./toHaveValidEventOrder") as typeof import("./toHaveValidEventOrder")).toHaveValidEventOrder,
  toCompleteSuccessfully: () =>
    (require("./toCompleteSuccessfully") as typeof import("./toCompleteSuccessfully")).toCompleteSuccessfully,
  toHaveTokenCount: () =>
    (require("./toHaveTokenCount") as typeof import("./toHaveTokenCount")).toHaveTokenCount,
  toHaveStopReason: () =>
    (require("./toHaveStopReason") as typeof import("./toHaveStopReason")).toHaveStopReason,
  toHaveMatchedStopSequence: () =>
    (require("./toHaveMatchedStopSequence") as typeof import("./toHaveMatchedStopSequence"))
      .toHaveMatchedStopSequence,
  toFailWithCode: () => (require("./toFailWithCode") as typeof import("./toFailWithCode")).toFailWithCode,
  toHaveText: () => (require("./toHaveText") as typeof import("./toHaveText")).toHaveText,
  toHaveFirstTokenWithin: () =>
    (require("./toHaveFirstTokenWithin") as typeof import("./toHaveFirstTokenWithin")).toHaveFirstTokenWithin,
  toMeetSlo: () => (require("./toMeetSlo") as typeof import("./toMeetSlo")).toMeetSlo,
  toStreamAtLeast: () => (require("./toStreamAtLeast") as typeof import("./toStreamAtLeast")).toStreamAtLeast,
  toStreamWithoutStalls: () =>
    (require("./toStreamWithoutStalls") as typeof import("./toStreamWithoutStalls")).toStreamWithoutStalls,
  toBeHealthy: () => (require("./toBeHealthy") as typeof import("./toBeHealthy")).toBeHealthy,
  toBeDeterministic: () =>
    (require("./toBeDeterministic") as typeof import("./toBeDeterministic")).toBeDeterministic,
  toHaveStoppedCleanly: () =>
    (require("./toHaveStoppedCleanly") as typeof import("./toHaveStoppedCleanly")).toHaveStoppedCleanly,
  toBeRejectedFor: () => (require("./toBeRejectedFor") as typeof import("./toBeRejectedFor")).toBeRejectedFor,
  toMatchTranscript: () =>
    (require("./toMatchTranscript") as typeof import("./toMatchTranscript")).toMatchTranscript,
};

/** Every matcher's type, by name. */
type All = { [K in keyof typeof LOADERS]: ReturnType<(typeof LOADERS)[K]> };

type AnyMatcher = (
  this: MatcherContext,
  received: unknown,
  ...args: never[]
) => { pass: boolean; message: () => string };

function lazy(load: () => unknown): AnyMatcher {
  let real: AnyMatcher | undefined;
  return function (this: MatcherContext, received: unknown, ...args: never[]) {
    real ??= load() as AnyMatcher;
    return real.call(this, received, ...args);
  };
}

/** Loads every matcher now (see `EnvironmentHandle.preload`): none is loaded later, at first use. */
export function loadAllMatchers(): void {
  for (const load of Object.values(LOADERS)) load();
}

/** Every matcher, for `expect.extend(matchers)`; each says "did you forget `await`?" when given a Promise. */
export const matchers = Object.fromEntries(
  Object.entries(LOADERS).map(([name, load]) => [name, awaitGuard(name, lazy(load))]),
) as unknown as All;
