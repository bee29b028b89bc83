import type { Readable } from "node:stream";

/** One line a worker wrote. */
export interface LogLine {
  stream: "stdout" | "stderr";
  text: string;
  /** The line parsed as JSON, when it is a JSON object (tracing output). */
  json?: Record<string, unknown>;
}

/**
 * Keeps the last `capacity` lines of a worker's stdout and stderr, split on
 * line ends across chunk boundaries; JSON and plain-text lines alike.
 */
export class LogBuffer {
  private readonly lines: LogLine[] = [];

  constructor(private readonly capacity = 2000) {}

  /** Reads a stream line by line into the buffer. */
  attach(stream: Readable, name: LogLine["stream"]): void {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (rest + chunk).split(/\r?\n/);
      rest = parts.pop() ?? "";
      for (const part of parts) this.push(name, part);
    });
    stream.on("end", () => {
      if (rest) this.push(name, rest);
      rest = "";
    });
  }

  /** Adds a line. */
  push(stream: LogLine["stream"], text: string): void {
    let json: Record<string, unknown> | undefined;
    if (text.startsWith("{")) {
      try {
        const parsed = JSON.parse(text);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed;
      } catch {
        json = undefined;
      }
    }
    this.lines.push({ stream, text, json });
    if (this.lines.length > this.capacity) {
      this.lines.shift();
    }
  }

  /** Every kept line, oldest first. */
  all(): LogLine[] {
    return [...this.lines];
  }

  /** The last `n` lines as text, stderr lines marked. */
  tail(n = 20): string[] {
    return this.lines.slice(-n).map((l) => (l.stream === "stderr" ? `[stderr] ${l.text}` : l.text));
  }

  /** True when any kept line matches. */
  some(pattern: RegExp): boolean {
    return this.lines.some((l) => pattern.test(l.text));
  }
}
