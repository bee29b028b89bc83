import type { MatcherContext } from "expect";
import { tpotOf } from "../client/job-stats";
import { sourceOf } from "../client/received";
import { optionProblems } from "../config/check";
import { type SloBounds, sloMisses } from "../report/metrics";
import { SLO_RULES } from "../report/option-rules";
import { arrivedAtOnce, tokenTimes, UNSTREAMED_NOTE } from "./latency";
import { verdictMessage } from "./message";
import type { Verdict } from "./rules";

/** A bad `slo` argument, as a verdict that names every problem and the fix; undefined when it is sound. */
function badBounds(slo: unknown): Verdict | undefined {
  const problems = optionProblems({ slo }, { rules: { slo: SLO_RULES } });
  return problems.length > 0 ? { pass: false, rule: "SLO bounds", detail: problems.join("; ") } : undefined;
}

/**
 * One job meets latency bounds, measured as the run report measures them:
 * TTFT (request to first token), TPOT ((end-to-end − TTFT) / (tokens − 1))
 * and end-to-end (request to the terminal event).
 */
export function toMeetSlo(this: MatcherContext, received: unknown, slo: SloBounds) {
  const label = JSON.stringify(slo);
  let verdict: Verdict | undefined = badBounds(slo);
  if (!verdict) {
    const t = tokenTimes(received);
    if ("pass" in t) verdict = t;
    else {
      const events = received as { receivedAt?: number }[];
      const endAt = events.at(-1)?.receivedAt ?? t.times.at(-1)!;
      const requestedAt = sourceOf(received)?.requestedAt ?? t.requestedAt;
      const ttftMs = t.times[0] - requestedAt;
      const e2eMs = endAt - requestedAt;
      const tpotMs = tpotOf(e2eMs, ttftMs, t.times.length);
      const missed = sloMisses({ ttftMs, tpotMs, e2eMs }, slo);
      const ms = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(1)} ms`);
      verdict = {
        pass: missed.length === 0,
        rule: "SLO",
        detail: `${missed.length ? `missed ${missed.join(", ")}` : "met every bound"} (TTFT ${ms(ttftMs)}, TPOT ${ms(tpotMs)}, e2e ${ms(e2eMs)}, ${t.times.length} tokens)${arrivedAtOnce(t.times) ? UNSTREAMED_NOTE : ""}`,
      };
    }
  }
  return {
    pass: verdict.pass,
    message: verdictMessage(this, "toMeetSlo", label, verdict, received),
  };
}
