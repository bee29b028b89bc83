import { closeSync, openSync, readSync } from "node:fs";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { clearInterval, setInterval } from "../util/clock";

/** One line a worker wrote. */
export interface LogLine {
  stream: "stdout" | "stderr";
  text: string;
  /** The line parsed as JSON, when it is a JSON object (tracing output). */
  json?: Record<string, unknown>;
}

/** Longest line kept, in characters; the rest of a longer line is dropped and the line marked as cut. */
export const MAX_LINE_CHARS = 64 * 1024;
/** Characters of one line quoted in a failure message (`tail()`). */
export const QUOTED_LINE_CHARS = 2000;

/** The mark that ends a line cut at {@link MAX_LINE_CHARS}. */
function cutMark(dropped: number): string {
  return ` … [line cut: ${dropped} more characters]`;
}

/**
 * Splits a stream into lines in linear time, keeping at most `maxChars` of
 * each: a line that never ends (a worker printing megabytes without a
 * newline) costs bounded memory, and only its head is kept, marked as cut.
 */
export class LineSplitter {
  private parts: string[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(
    private readonly onLine: (text: string) => void,
    private readonly maxChars = MAX_LINE_CHARS,
  ) {}

  /** Feeds a chunk; calls `onLine` for each line it completes. */
  write(chunk: string): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf("\n", from);
      if (nl === -1) break;
      this.take(chunk, from, nl);
      this.emit();
      from = nl + 1;
    }
    this.take(chunk, from, chunk.length);
  }

  /** Ends the stream: a last line without a newline is emitted too. */
  end(): void {
    if (this.kept > 0 || this.dropped > 0) this.emit();
  }

  private take(chunk: string, from: number, to: number): void {
    const room = this.maxChars - this.kept;
    const n = to - from;
    if (n <= room) {
      if (n > 0) this.parts.push(chunk.slice(from, to));
      this.kept += n;
    } else {
      if (room > 0) this.parts.push(chunk.slice(from, from + room));
      this.kept += Math.max(0, room);
      this.dropped += n - Math.max(0, room);
    }
  }

  private emit(): void {
    let text = this.parts.join("");
    if (this.dropped === 0 && text.endsWith("\r")) text = text.slice(0, -1);
    if (this.dropped > 0) text += cutMark(this.dropped);
    this.parts = [];
    this.kept = 0;
    this.dropped = 0;
    this.onLine(text);
  }
}

/**
 * Keeps the last lines of a worker's stdout and stderr, split on line ends
 * across chunk boundaries; JSON and plain-text lines alike. Bounded twice:
 * each line at {@link MAX_LINE_CHARS}, and the whole buffer at `capacity`
 * lines and `maxChars` characters (oldest dropped first).
 */
export class LogBuffer {
  private lines: LogLine[] = [];
  private start = 0;
  private chars = 0;
  private readonly watchers = new Set<() => void>();
  /** Reads of followed files, run before lines are handed out (see {@link follow}). */
  private readonly refreshers = new Set<() => void>();

  constructor(
    private readonly capacity = 2000,
    private readonly maxChars = 8 * 1024 * 1024,
  ) {}

  /** Calls `listener` after every line added from now on; returns the function that stops it. */
  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Reads a stream line by line into the buffer. */
  attach(stream: Readable, name: LogLine["stream"]): void {
    const splitter = new LineSplitter((line) => this.push(name, line));
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => splitter.write(chunk));
    stream.on("end", () => splitter.end());
  }

  /**
   * Reads a file the worker writes its output to, line by line, from byte
   * `from` on: a pooled worker's output goes to files, since it outlives the
   * run that started it. New lines are read every 50 ms (on an unref'd timer)
   * and whenever lines are asked for. Returns the function that reads the
   * rest and stops following. A file that cannot be opened is skipped.
   */
  follow(path: string, name: LogLine["stream"], from = 0): () => void {
    let fd: number | undefined;
    try {
      fd = openSync(path, "r");
    } catch {
      return () => undefined;
    }
    let offset = from;
    const splitter = new LineSplitter((line) => this.push(name, line));
    const decoder = new StringDecoder("utf8");
    const chunk = Buffer.alloc(64 * 1024);
    const read = () => {
      while (fd !== undefined) {
        const n = readSync(fd, chunk, 0, chunk.length, offset);
        if (n <= 0) break;
        offset += n;
        splitter.write(decoder.write(chunk.subarray(0, n)));
      }
    };
    const timer = setInterval(read, 50);
    timer.unref();
    this.refreshers.add(read);
    return () => {
      if (fd === undefined) return;
      read();
      splitter.end();
      clearInterval(timer);
      this.refreshers.delete(read);
      closeSync(fd);
      fd = undefined;
    };
  }

  private refresh(): void {
    for (const read of this.refreshers) read();
  }

  /** Adds a line (cut at {@link MAX_LINE_CHARS} when longer; a line the splitter already cut is kept as it is). */
  push(stream: LogLine["stream"], text: string): void {
    if (text.length > MAX_LINE_CHARS + 64)
      text = text.slice(0, MAX_LINE_CHARS) + cutMark(text.length - MAX_LINE_CHARS);
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
    this.chars += text.length;
    for (const watcher of this.watchers) watcher();
    while (this.lines.length - this.start > this.capacity || (this.chars > this.maxChars && this.size > 1)) {
      this.chars -= this.lines[this.start].text.length;
      this.start++;
    }
    // Compact now and then: amortised O(1) per line.
    if (this.start > 1024 && this.start * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.start);
      this.start = 0;
    }
  }

  private get size(): number {
    return this.lines.length - this.start;
  }

  /** Every kept line, oldest first. */
  all(): LogLine[] {
    this.refresh();
    return this.lines.slice(this.start);
  }

  /** The last `n` lines as text, stderr lines marked, each quoted up to {@link QUOTED_LINE_CHARS} characters. */
  tail(n = 20): string[] {
    this.refresh();
    return this.lines
      .slice(Math.max(this.start, this.lines.length - n))
      .map((l) => quoteLine(l.stream === "stderr" ? `[stderr] ${l.text}` : l.text));
  }

  /** True when any kept line matches. */
  some(pattern: RegExp): boolean {
    return this.all().some((l) => pattern.test(l.text));
  }
}

/** A line as a failure message quotes it: at most {@link QUOTED_LINE_CHARS} characters. */
export function quoteLine(text: string): string {
  return text.length > QUOTED_LINE_CHARS
    ? `${text.slice(0, QUOTED_LINE_CHARS)} … [${text.length - QUOTED_LINE_CHARS} more characters not shown]`
    : text;
}
