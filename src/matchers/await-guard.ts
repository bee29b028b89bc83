import type { MatcherContext } from "expect";

type Matcher = (
  this: MatcherContext,
  received: unknown,
  ...args: never[]
) => { pass: boolean; message: () => string };

/** True for a Promise or any thenable. */
function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Wraps a matcher so that a Promise given as the received value fails with
 * "did you forget `await`?" (with `.not` too), instead of a rule message about
 * a Promise that is not an event array.
 */
export function awaitGuard<M extends Matcher>(name: string, matcher: M): M {
  return function guarded(this: MatcherContext, received: unknown, ...args: never[]) {
    if (!isThenable(received)) return matcher.call(this, received, ...args);
    return {
      pass: this.isNot,
      message: () =>
        `${this.utils.matcherHint(name, "received", "", { isNot: this.isNot, promise: this.promise })}\n\n` +
        "Received a Promise, not its result: did you forget `await`?\n" +
        `Write \`expect(await worker.execute(...)).${name}(...)\`, or \`await expect(promise).resolves.${name}(...)\`.`,
    };
  } as M;
}
