import type { MatcherContext } from "expect";

/** A `/health` body, minimal or full, with status "healthy" and, where reported, `resident: true`. */
export function toBeHealthy(this: MatcherContext, received: unknown) {
  const body = received as { status?: unknown; resident?: unknown } | undefined;
  const problem =
    !body || typeof body !== "object"
      ? "it is not an object"
      : body.status !== "healthy"
        ? `status is ${JSON.stringify(body.status)}`
        : body.resident === false
          ? "resident is false (the model is not all in VRAM yet)"
          : undefined;
  const pass = problem === undefined;
  return {
    pass,
    message: () =>
      `${this.utils.matcherHint("toBeHealthy", "health", "", { isNot: this.isNot, promise: this.promise })}\n\n` +
      (pass ? "Expected an unhealthy body, but it is healthy" : `Expected a healthy body, but ${problem}`) +
      `\n\nReceived: ${this.utils.printReceived(received)}`,
  };
}
