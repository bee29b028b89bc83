/** JSON-lines logger in the shape of the worker's tracing output. */
export type Level = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** Writes one JSON log line to stdout (stderr for errors). */
export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({
    timestamp: new Date().toISOString(),
    level,
    target: "worker_orcd",
    message,
    ...fields,
  });
  (level === "ERROR" ? process.stderr : process.stdout).write(`${line}\n`);
}

/** Writes a plain-text line to stderr, as the real worker's CUDA side does. */
export function plain(text: string): void {
  process.stderr.write(`${text}\n`);
}
