import type { MatcherContext } from "expect";
import { sourceOf } from "../client/received";
import { optionProblems, rules } from "../config/check";
import { verdictMessage } from "./message";
import type { Verdict } from "./rules";
import { notEvents, textOf } from "./rules";

/** Bounds of {@link toStreamWithoutStalls}, in milliseconds (either or both). */
export interface StallBounds {
  /** The first token must come within this long of the request. */
  firstTokenMs?: number;
  /** From the first token on, no two events may be further apart than this. */
  gapMs?: number;
}

const BOUNDS = {
  bounds: {
    noun: "bound",
    nonEmpty: true,
    nested: {
      firstTokenMs: rules.number(0, { above: true, unit: "of ms" }),
      gapMs: rules.number(0, { above: true, unit: "of ms" }),
    },
  },
};

/** The text of the tokens before event `index`, quoted for a message (its last 120 characters). */
function textBefore(events: unknown[], index: number): string {
  const text = textOf(events.slice(0, index));
  return JSON.stringify(text.length > 120 ? `…${text.slice(-120)}` : text);
}

/**
 * The stream never stalled: the first token came within `firstTokenMs` of
 * the request, and from it on no two events were further apart than
 * `gapMs` (from the client's receive times). A failure says where the stall was and shows
 * the text received before it, with the timeline and the worker's log tail.
 */
export function toStreamWithoutStalls(this: MatcherContext, received: unknown, bounds: StallBounds) {
  const label = JSON.stringify(bounds);
  const verdict = stallVerdict(received, bounds);
  return {
    pass: verdict.pass,
    message: verdictMessage(this, "toStreamWithoutStalls", label, verdict, received),
  };
}

function stallVerdict(received: unknown, bounds: StallBounds): Verdict {
  const problems = optionProblems({ bounds }, { rules: BOUNDS });
  if (problems.length > 0) return { pass: false, rule: "stall bounds", detail: problems.join("; ") };
  const invalid = notEvents(received);
  if (invalid) return invalid;
  const events = received as Array<{ type?: unknown; receivedAt?: unknown }>;
  const requestedAt = sourceOf(events)?.requestedAt;
  const times = events.map((e) => e.receivedAt);
  if (requestedAt === undefined || times.some((t) => typeof t !== "number"))
    return {
      pass: false,
      rule: "receive times",
      detail: "the events carry no receive times: collect them with worker.execute() or a WorkerClient",
    };
  const at = times as number[];
  const first = events.findIndex((e) => e.type === "token");
  if (bounds.firstTokenMs !== undefined) {
    if (first < 0)
      return { pass: false, rule: "first token", detail: "no token came at all (the stream never started)" };
    const ttft = at[first] - requestedAt;
    if (ttft > bounds.firstTokenMs)
      return {
        pass: false,
        rule: "first token",
        index: first,
        detail: `the first token came ${ttft.toFixed(1)} ms after the request, past ${bounds.firstTokenMs} ms`,
      };
  }
  if (bounds.gapMs !== undefined) {
    let worst = 0;
    let index = -1;
    // Before the first token the wait is time to first token (firstTokenMs); from it on, every gap counts.
    for (let k = Math.max(1, first + 1); k < at.length; k++) {
      if (at[k] - at[k - 1] > worst) {
        worst = at[k] - at[k - 1];
        index = k;
      }
    }
    if (worst > bounds.gapMs) {
      const tokens = events.slice(0, index).filter((e) => e.type === "token").length;
      return {
        pass: false,
        rule: "no stall",
        index,
        detail:
          `${worst.toFixed(1)} ms passed between event #${index - 1} (${String(events[index - 1].type)}) and #${index} ` +
          `(${String(events[index].type)}), past ${bounds.gapMs} ms, after ${tokens} token(s); the text so far: ${textBefore(events, index)}`,
      };
    }
    return {
      pass: true,
      rule: "no stall",
      detail: `the longest gap between events was ${worst.toFixed(1)} ms, within ${bounds.gapMs} ms`,
    };
  }
  return { pass: true, rule: "first token", detail: `the first token came within ${bounds.firstTokenMs} ms` };
}
