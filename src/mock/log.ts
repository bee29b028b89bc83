/** JSON-lines logger in the shape of the worker's tracing output. */
export type Level = "DEBUG" | "INFO" | "WARN" | "ERROR";

/**
 * `"flat"`: the mock's own lines (message and fields at the top level);
 * `"tracing"`: build 5d6c9a4a's tracing-subscriber JSON (`{timestamp, level,
 * fields: {message, ...}}`), which compat mode writes.
 */
let shape: "flat" | "tracing" = "flat";

/** Chooses the shape of every later line (compat mode: `"tracing"`). */
export function setLogShape(s: "flat" | "tracing"): void {
  shape = s;
}

/** Writes one JSON log line to stdout (stderr for errors). */
export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const timestamp = new Date().toISOString();
  const line = JSON.stringify(
    shape === "tracing"
      ? { timestamp, level, fields: { message, ...fields } }
      : { timestamp, level, target: "worker_orcd", message, ...fields },
  );
  (level === "ERROR" ? process.stderr : process.stdout).write(`${line}\n`);
}

/** Writes a plain-text line to stderr, as the real worker's CUDA side does. */
export function plain(text: string): void {
  process.stderr.write(`${text}\n`);
}
