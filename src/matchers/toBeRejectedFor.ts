import type { MatcherContext } from "expect";
import { rejectedFields } from "../protocol/validation-errors";

/** Fields a raw response (or a 400 body) rejects; a framework 422 "missing field `x`" counts as x. */
export function fieldsRejectedBy(received: unknown): { status?: number; fields: string[] } {
  const r = received as { status?: unknown; json?: unknown; text?: unknown } | undefined;
  if (r && typeof r === "object" && typeof r.status === "number" && "text" in r) {
    const fields = rejectedFields(r.json);
    const missing = typeof r.text === "string" ? /missing field `(\w+)`/.exec(r.text)?.[1] : undefined;
    return { status: r.status, fields: missing && !fields.includes(missing) ? [...fields, missing] : fields };
  }
  return { fields: rejectedFields(received) };
}

/**
 * A rejected `/execute` request naming every given field: on a raw response
 * (`worker.executeRaw`: status 400, or the 422 of builds that require
 * max_tokens) or on a 400 body, in the `errors` list or the legacy
 * `{field, message}` form.
 */
export function toBeRejectedFor(this: MatcherContext, received: unknown, fields: string | string[]) {
  const wanted = Array.isArray(fields) ? fields : [fields];
  const { status, fields: got } = fieldsRejectedBy(received);
  const statusOk = status === undefined || status === 400 || status === 422;
  const pass = statusOk && wanted.every((f) => got.includes(f));
  return {
    pass,
    message: () =>
      `${this.utils.matcherHint("toBeRejectedFor", "response", this.utils.printExpected(fields), { isNot: this.isNot, promise: this.promise })}\n\n` +
      (status !== undefined ? `Status: ${status}${statusOk ? "" : " (expected 400)"}\n` : "") +
      `Rejected fields: ${this.utils.printReceived(got)}\n` +
      `Expected ${this.isNot ? "none of" : "all of"}: ${this.utils.printExpected(wanted)}`,
  };
}
