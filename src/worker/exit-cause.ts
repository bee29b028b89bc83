import { type LogLine, quoteLine } from "./log-buffer";

/** A line in which a worker says why it stops: Rust's `Error: ...` (anyhow), clap's `error: ...`, a panic, an ERROR record. */
const PLAIN_CAUSE = /^(Error|error): |panicked at |^fatal: /;

/** The message of a JSON log record at level ERROR (tracing puts it under `fields`, the mock at the top level). */
function jsonCause(json: Record<string, unknown> | undefined): string | undefined {
  if (!json || String(json.level ?? "").toUpperCase() !== "ERROR") return undefined;
  const fields = json.fields as Record<string, unknown> | undefined;
  const message = fields?.message ?? json.message ?? json.msg;
  return typeof message === "string" ? message : undefined;
}

/**
 * The worker's own line that explains why it exited during start-up (the
 * last such line), so a failure message names the cause instead of leaving
 * the reader to find it in a tail of progress output. Undefined when the
 * worker said nothing of the kind.
 */
export function exitCause(lines: readonly LogLine[]): string | undefined {
  for (let k = lines.length - 1; k >= 0; k--) {
    const line = lines[k];
    const cause = jsonCause(line.json) ?? (PLAIN_CAUSE.test(line.text) ? line.text : undefined);
    if (cause !== undefined) return quoteLine(cause.trim());
  }
  return undefined;
}
