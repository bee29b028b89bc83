import type { MatcherContext } from "expect";
import { verdictMessage } from "./message";
import { notEvents, textOf } from "./rules";

/** The concatenated token text equals a string or matches a RegExp. */
export function toHaveText(this: MatcherContext, received: unknown, expected: string | RegExp) {
  const invalid = notEvents(received);
  const text = invalid ? "" : textOf(received as unknown[]);
  const pass = !invalid && (typeof expected === "string" ? text === expected : expected.test(text));
  const verdict = invalid ?? {
    pass,
    rule: typeof expected === "string" ? "text equals" : "text matches",
    detail: `the token text is ${this.utils.printReceived(text)}`,
  };
  return {
    pass,
    message: verdictMessage(this, "toHaveText", this.utils.printExpected(expected), verdict, received),
  };
}
