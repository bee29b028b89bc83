/**
 * Races `promise` against a timer. When the timer wins, `onTimeout` builds the
 * error to throw (it runs at that moment, so it can describe the current state).
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One signal that aborts when any given signal aborts or after `ms` (when finite). */
export function combineSignals(ms: number | undefined, ...signals: (AbortSignal | undefined)[]): AbortSignal {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  if (ms !== undefined && Number.isFinite(ms) && ms > 0) list.push(AbortSignal.timeout(ms));
  return list.length === 1 ? list[0] : AbortSignal.any(list);
}
