import type { MatcherContext } from "expect";
import { arrivedAtOnce, tokenTimes, UNSTREAMED_NOTE } from "./latency";
import { verdictMessage } from "./message";
import type { Verdict } from "./rules";

/** The first token arrived within `ms` of sending the request (from the client's receive times). */
export function toHaveFirstTokenWithin(this: MatcherContext, received: unknown, ms: number) {
  const t = tokenTimes(received);
  let verdict: Verdict;
  if ("pass" in t) verdict = t;
  else {
    const ttft = t.times[0] - t.requestedAt;
    verdict = {
      pass: ttft <= ms,
      rule: "first token within",
      index: 1,
      detail: `the first token arrived after ${ttft.toFixed(1)} ms${arrivedAtOnce(t.times) ? UNSTREAMED_NOTE : ""}`,
    };
  }
  return {
    pass: verdict.pass,
    message: verdictMessage(this, "toHaveFirstTokenWithin", `${ms} ms`, verdict, received),
  };
}
