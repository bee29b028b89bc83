import { MAX_DELAY_MS } from "./timers";

/**
 * Checks a user-given duration in milliseconds (a timeout option): a finite
 * number from 1 to 2^31 - 1 (what a Node timer can wait), fractions rounded
 * up. Returns a problem text for anything else, so every caller (config,
 * docblock, harness, per-call options) reports the same range.
 */
export function durationProblem(value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value))
    return `must be a number of milliseconds from 1 to ${MAX_DELAY_MS}`;
  if (value < 1 || value > MAX_DELAY_MS)
    return `must be from 1 to ${MAX_DELAY_MS} ms (about 24.8 days, the longest a Node timer waits)`;
  return undefined;
}

/** A valid duration rounded up to whole milliseconds; throws `error(problem)` for an invalid one. */
export function checkDuration(value: number, name: string, error: (message: string) => Error): number {
  const problem = durationProblem(value);
  if (problem) throw error(`${name} ${problem}, got ${JSON.stringify(value)}`);
  return Math.ceil(value);
}
