/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves with `undefined` after `ms`, on a timer that does not keep the
 * process alive: for bounding a wait with `Promise.race`, so the guard timer
 * left behind never holds Jest open.
 */
export function guard(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/** An `Error` for any thrown value; works across realms (Jest's test context), where `instanceof Error` fails. */
export function asError(value: unknown): Error {
  if (value && typeof value === "object" && typeof (value as Error).message === "string")
    return value as Error;
  return new Error(String(value));
}
