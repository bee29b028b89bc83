import type { MatcherContext } from "expect";
import { arrivedAtOnce, tokenTimes, UNSTREAMED_NOTE } from "./latency";
import { verdictMessage } from "./message";
import type { Verdict } from "./rules";

/**
 * Tokens per second at least `rate`: (tokens - 1) over the time from the first
 * to the last token. A worker that sends everything at once is measured from
 * the request instead, and the message says so.
 */
export function toStreamAtLeast(this: MatcherContext, received: unknown, rate: number) {
  const t = tokenTimes(received);
  let verdict: Verdict;
  if ("pass" in t) verdict = t;
  else {
    const once = arrivedAtOnce(t.times) || t.times.length < 2;
    const last = t.times[t.times.length - 1];
    const seconds = once ? (last - t.requestedAt) / 1000 : (last - t.times[0]) / 1000;
    const tokens = once ? t.times.length : t.times.length - 1;
    const measured = seconds > 0 ? tokens / seconds : Infinity;
    verdict = {
      pass: measured >= rate,
      rule: "tokens per second",
      detail: `${measured.toFixed(1)} tokens/s over ${(seconds * 1000).toFixed(1)} ms${once && t.times.length > 1 ? UNSTREAMED_NOTE : ""}`,
    };
  }
  return {
    pass: verdict.pass,
    message: verdictMessage(this, "toStreamAtLeast", `${rate} tokens/s`, verdict, received),
  };
}
