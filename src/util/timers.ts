import { clearInterval, clearTimeout, setInterval, setTimeout } from "./clock";
/** Largest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * A delay every Node timer accepts: an integer in 1 .. {@link MAX_DELAY_MS}.
 * Fractions round up (a deadline is never cut short); anything else is
 * clamped. Every timer the package arms goes through this, so no timer ever
 * sees a fractional (`AbortSignal.timeout` throws `ERR_OUT_OF_RANGE`) or
 * overflowing (`setTimeout` fires at once) delay.
 */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms)) return 1;
  return Math.min(MAX_DELAY_MS, Math.max(1, Math.ceil(ms)));
}

/** Resolves after `ms` (bounded by {@link timerDelay}). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, timerDelay(ms)));
}

/**
 * Resolves with `undefined` after `ms`, on a timer that does not keep the
 * process alive: for bounding a wait with `Promise.race`, so the guard timer
 * left behind never holds Jest open.
 */
export function guard(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), timerDelay(ms)).unref());
}

/**
 * Waits for `promise`, at most `ms`: its value, or `undefined` once the time
 * is up. The timer keeps this process alive while the wait lasts (a wait on
 * an unref'd child's exit must not let Node's event loop empty and end the
 * process in the middle of a teardown) and is cleared as soon as the wait
 * ends, so nothing is left behind to hold Jest open.
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timerDelay(ms));
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * Runs `work` with a timer that keeps this process alive until it has
 * settled: for Jest's global teardown, whose waits on unref'd workers must
 * never let Node's event loop empty and end the run in the middle (Jest's
 * exit code and `--outputFile` would be lost).
 */
export async function holdingOpen<T>(work: () => Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 1000);
  try {
    return await work();
  } finally {
    clearInterval(hold);
  }
}

/** An `AbortSignal` that aborts after `ms` (bounded by {@link timerDelay}). */
export function timeoutSignal(ms: number): AbortSignal {
  return AbortSignal.timeout(timerDelay(ms));
}

/** An `Error` for any thrown value; works across realms (Jest's test context), where `instanceof Error` fails. */
export function asError(value: unknown): Error {
  if (value && typeof value === "object" && typeof (value as Error).message === "string")
    return value as Error;
  return new Error(String(value));
}
