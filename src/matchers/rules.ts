import {
  type EndEvent,
  type ErrorEvent,
  isTerminal,
  normalizeErrorCode,
  normalizeStopReason,
  SUCCESS_STOP_REASONS,
  type TerminalEvent,
} from "../protocol/events";

/** Outcome of a rule check: which rule broke, at which event, and how. */
export interface Verdict {
  pass: boolean;
  /** The rule that broke (or, when passing, the one that held). */
  rule: string;
  /** Index of the offending event. */
  index?: number;
  /** One sentence on what was found. */
  detail: string;
}

type Loose = { type?: unknown } & Record<string, unknown>;

const ok = (rule: string, detail: string): Verdict => ({ pass: true, rule, detail });
const broke = (rule: string, detail: string, index?: number): Verdict => ({
  pass: false,
  rule,
  detail,
  index,
});

/** Checks that `received` is an array of event objects; a verdict when it is not. */
export function notEvents(received: unknown): Verdict | undefined {
  if (!Array.isArray(received))
    return broke("events", `expected an array of events, received ${typeof received}`);
  const bad = received.findIndex((e) => !e || typeof e !== "object" || typeof (e as Loose).type !== "string");
  return bad >= 0 ? broke("events", `event #${bad} is not an object with a string "type"`, bad) : undefined;
}

/** The `token` events. */
export function tokensOf(events: readonly unknown[]): Loose[] {
  return (events as Loose[]).filter((e) => e?.type === "token");
}

/** The last terminal event (`end` or `error`), if any. */
export function terminalOf(events: readonly unknown[]): TerminalEvent | undefined {
  for (let k = events.length - 1; k >= 0; k--) {
    const e = events[k] as Loose;
    if (e && isTerminal(e as { type: string })) return e as unknown as TerminalEvent;
  }
  return undefined;
}

/** Every ordering rule of docs/protocol.md, in the order of the stream; the first one broken wins. */
export function checkEventOrder(events: unknown): Verdict {
  const invalid = notEvents(events);
  if (invalid) return invalid;
  const list = events as Loose[];
  if (list.length === 0) return broke("started first", "the stream has no events", 0);
  if (list[0].type !== "started")
    return broke("started first", `the first event is ${String(list[0].type)}, not started`, 0);
  let tokens = 0;
  let terminal = -1;
  for (let k = 1; k < list.length; k++) {
    const e = list[k];
    if (terminal >= 0) {
      return isTerminal(e as { type: string })
        ? broke(
            "one terminal event",
            `a second terminal event (${String(e.type)}) follows #${terminal} ${String(list[terminal].type)}`,
            k,
          )
        : broke(
            "nothing after the terminal event",
            `${String(e.type)} follows the terminal event #${terminal}`,
            k,
          );
    }
    if (e.type === "token") {
      if (e.i !== tokens) {
        const what = typeof e.i === "number" && e.i < tokens ? "repeats" : "skips";
        return broke(
          "token indices 0, 1, 2, ...",
          `token index ${String(e.i)} ${what}: expected i=${tokens}`,
          k,
        );
      }
      tokens++;
    } else if (e.type === "end" || e.type === "error") terminal = k;
    else if (e.type !== "metrics") {
      return broke(
        "only token and metrics between started and the terminal event",
        `unexpected ${String(e.type)} event`,
        k,
      );
    }
  }
  if (terminal < 0)
    return broke("one terminal event", "the stream has no terminal event (end or error)", list.length - 1);
  const end = list[terminal];
  if (end.type === "end" && end.tokens_out !== tokens) {
    return broke(
      "tokens_out equals the token count",
      `end.tokens_out is ${String(end.tokens_out)} but ${tokens} token event(s) arrived`,
      terminal,
    );
  }
  return ok("valid event order", `started, ${tokens} token(s), ${String(end.type)}`);
}

/** Valid order and an `end` whose reason is max_tokens, eos or stop_sequence. */
export function checkSuccess(events: unknown): Verdict {
  const order = checkEventOrder(events);
  if (!order.pass) return order;
  const list = events as Loose[];
  const last = list[list.length - 1] as unknown as EndEvent | ErrorEvent;
  if (last.type === "error")
    return broke(
      "ends with end",
      `the job failed: error ${String(last.code)} ${JSON.stringify(last.message)}`,
      list.length - 1,
    );
  const reason = normalizeStopReason(String(last.stop_reason));
  if (!SUCCESS_STOP_REASONS.includes(reason as never)) {
    return broke("successful stop reason", `end.stop_reason is ${String(last.stop_reason)}`, list.length - 1);
  }
  return ok("completed successfully", `end ${reason}`);
}

/** Token count bounds: an exact number or a range. */
export type TokenCountExpectation = number | { atLeast?: number; atMost?: number };

/** Number of token events within the expectation. */
export function checkTokenCount(events: unknown, expected: TokenCountExpectation): Verdict {
  const invalid = notEvents(events);
  if (invalid) return invalid;
  const n = tokensOf(events as unknown[]).length;
  const [lo, hi] =
    typeof expected === "number"
      ? [expected, expected]
      : [expected.atLeast ?? 0, expected.atMost ?? Infinity];
  const want = typeof expected === "number" ? `${expected}` : `${lo}..${hi === Infinity ? "" : hi}`;
  return { pass: n >= lo && n <= hi, rule: "token count", detail: `${n} token event(s), expected ${want}` };
}

/** The `end` event's stop reason, compared case-insensitively. */
export function checkStopReason(events: unknown, reason: string): Verdict {
  const invalid = notEvents(events);
  if (invalid) return invalid;
  const list = events as Loose[];
  const end = list.findIndex((e) => e.type === "end");
  if (end < 0) return broke("stop reason", "no end event", list.length - 1);
  const got = String(list[end].stop_reason);
  return {
    pass: normalizeStopReason(got) === normalizeStopReason(reason),
    rule: "stop reason",
    index: end,
    detail: `end.stop_reason is ${got}`,
  };
}

/** An `end` with reason stop_sequence that matched `sequence`. */
export function checkMatchedStopSequence(events: unknown, sequence: string): Verdict {
  const reason = checkStopReason(events, "stop_sequence");
  if (!reason.pass) return { ...reason, rule: "stop sequence matched" };
  const end = (events as Loose[])[reason.index!];
  return {
    pass: end.stop_sequence_matched === sequence,
    rule: "stop sequence matched",
    index: reason.index,
    detail: `end.stop_sequence_matched is ${JSON.stringify(end.stop_sequence_matched)}`,
  };
}

/** A terminal `error` with the code (legacy TIMEOUT = INFERENCE_TIMEOUT; CANCELLED also as end/cancelled). */
export function checkFailure(events: unknown, code: string): Verdict {
  const invalid = notEvents(events);
  if (invalid) return invalid;
  const list = events as Loose[];
  const terminal = terminalOf(list);
  const index = terminal ? list.lastIndexOf(terminal as unknown as Loose) : list.length - 1;
  const want = normalizeErrorCode(code);
  if (!terminal) return broke("fails with code", "the stream has no terminal event", index);
  if (terminal.type === "end") {
    const cancelled = normalizeStopReason(String(terminal.stop_reason)) === "cancelled";
    return {
      pass: want === "CANCELLED" && cancelled,
      rule: "fails with code",
      index,
      detail: `the stream ended with end ${String(terminal.stop_reason)}`,
    };
  }
  return {
    pass: normalizeErrorCode(String(terminal.code)) === want,
    rule: "fails with code",
    index,
    detail: `error.code is ${String(terminal.code)}`,
  };
}

/** Concatenated token text. */
export function textOf(events: readonly unknown[]): string {
  return tokensOf(events)
    .map((e) => String(e.t ?? ""))
    .join("");
}
