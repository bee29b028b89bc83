import type { MatcherContext } from "expect";
import { tpotOf } from "../client/job-stats";
import { sourceOf } from "../client/received";
import { SLO_KEYS, type SloBounds, sloMisses } from "../report/metrics";
import { arrivedAtOnce, tokenTimes, UNSTREAMED_NOTE } from "./latency";
import { verdictMessage } from "./message";
import type { Verdict } from "./rules";

/** A bad `slo` argument, as a verdict that names the fix; undefined when it is sound. */
function badBounds(slo: unknown): Verdict | undefined {
  const keys = slo && typeof slo === "object" ? Object.keys(slo) : [];
  const wrong =
    !slo || typeof slo !== "object" || Array.isArray(slo) || keys.length === 0
      ? `expected an object with any of ${SLO_KEYS.join(", ")} (ms), got ${JSON.stringify(slo)}`
      : keys
          .map((k) =>
            !(SLO_KEYS as readonly string[]).includes(k)
              ? `unknown bound ${k} (known: ${SLO_KEYS.join(", ")})`
              : !(
                    typeof (slo as Record<string, unknown>)[k] === "number" &&
                    (slo as Record<string, number>)[k] > 0
                  )
                ? `${k} must be a number of ms > 0, got ${JSON.stringify((slo as Record<string, unknown>)[k])}`
                : "",
          )
          .find(Boolean);
  return wrong ? { pass: false, rule: "SLO bounds", detail: wrong } : undefined;
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
