/**
 * Tokens that came less than this far apart, first to last, arrived at once
 * (see {@link arrivedAtOnce}).
 */
export const AT_ONCE_MS = 1;

/**
 * The one rule for "every token arrived at once" (the worker sent its stream
 * after generating it, so time to first token is the whole job): at least
 * two tokens, and less than {@link AT_ONCE_MS} between the first and the
 * last to arrive. The client stamps every event of one network read with
 * the same time, so a buffering worker's tokens share one stamp (or a few,
 * microseconds apart); a streaming one's spread over its generation (the
 * bundled mock at its default 1 ms pace: about 1 ms a token). The run
 * report's `streamed` and the latency matchers' notes both apply it. What
 * it cannot tell apart: a streaming worker whose whole stream the client
 * read late in one go (its event loop blocked for the whole job).
 */
export function arrivedAtOnce(times: number[]): boolean {
  return times.length >= 2 && times[times.length - 1] - times[0] < AT_ONCE_MS;
}
