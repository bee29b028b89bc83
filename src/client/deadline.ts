import { clearTimeout, setTimeout } from "../util/clock";
import { timeoutSignal, timerDelay } from "../util/timers";

/**
 * Races `promise` against a timer. When the timer wins, `onTimeout` builds the
 * error to throw (it runs at that moment, so it can describe the current state).
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timerDelay(ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One signal that aborts when any given signal aborts or after `ms` (when
 * finite). Written out rather than `AbortSignal.any`, which Node 20 has only
 * from 20.3.
 */
export function combineSignals(ms: number | undefined, ...signals: (AbortSignal | undefined)[]): AbortSignal {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  if (ms !== undefined && Number.isFinite(ms) && ms > 0) list.push(timeoutSignal(ms));
  if (list.length === 1) return list[0];
  const controller = new AbortController();
  const abort = (signal: AbortSignal) => {
    for (const s of list) s.removeEventListener("abort", onAbort);
    controller.abort(signal.reason);
  };
  function onAbort(this: AbortSignal) {
    abort(this);
  }
  for (const s of list) {
    if (s.aborted) {
      abort(s);
      break;
    }
    s.addEventListener("abort", onAbort, { once: true });
  }
  return controller.signal;
}
