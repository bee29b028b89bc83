import type { MatcherContext } from "expect";
import { sourceOf } from "../client/received";
import { describeEvents } from "../protocol/timeline";
import { buildNotes } from "./build-notes";
import type { Verdict } from "./rules";

/** Lines of the worker's log shown at the end of a failure message. */
export const LOG_TAIL_LINES = 10;

/** The worker log tail for events that came from the environment's worker (or a harness), else "". */
export function logTailSection(received: unknown): string {
  const source = sourceOf(received);
  const lines = source?.logTail?.(LOG_TAIL_LINES) ?? [];
  if (lines.length === 0) return "";
  return `\n\nLast ${lines.length} line(s) of the worker's log (${source!.label}):\n${lines.map((l) => `  ${l}`).join("\n")}`;
}

/** A failure message: hint, the broken rule at its event, the timeline with the event marked, the log tail. */
export function verdictMessage(
  ctx: MatcherContext,
  name: string,
  expected: string,
  verdict: Verdict,
  received: unknown,
): () => string {
  return () => {
    const hint = ctx.utils.matcherHint(name, "events", expected, { isNot: ctx.isNot, promise: ctx.promise });
    const at = verdict.index !== undefined ? ` at event #${verdict.index}` : "";
    const what = ctx.isNot
      ? `Expected the events not to satisfy "${verdict.rule}", but they do: ${verdict.detail}`
      : `Broken rule: ${verdict.rule}${at}: ${verdict.detail}`;
    const timeline = Array.isArray(received)
      ? `\n\nTimeline (${received.length} event(s)):\n${describeEvents(received, { mark: ctx.isNot ? undefined : verdict.index, multiline: true })}`
      : `\n\nReceived: ${ctx.utils.printReceived(received)}`;
    const notes = ctx.isNot ? [] : buildNotes(received);
    const noted =
      notes.length > 0
        ? `\n\nHow this stream differs from the specification:\n${notes.map((n) => `  - ${n}`).join("\n")}`
        : "";
    return `${hint}\n\n${what}${noted}${timeline}${logTailSection(received)}`;
  };
}

/** Builds a matcher over an event array from a rule check. */
export function eventMatcher<A extends unknown[]>(
  name: string,
  check: (events: unknown, ...args: A) => Verdict,
  expectedText: (ctx: MatcherContext, ...args: A) => string = () => "",
) {
  return function matcher(this: MatcherContext, received: unknown, ...args: A) {
    const verdict = check(received, ...args);
    return {
      pass: verdict.pass,
      message: verdictMessage(this, name, expectedText(this, ...args), verdict, received),
    };
  };
}
