import type { ServerResponse } from "node:http";
import type { WorkerEvent } from "../protocol/events";

/** How the mock frames its events. */
export interface FramingOptions {
  /** Data-only frames (the last real builds). */
  dataOnly: boolean;
  crlf: boolean;
  /** Spread the JSON payload over two `data:` lines. */
  splitData: boolean;
  /** Write one byte at a time. */
  tinyChunks: boolean;
  /** Hold every frame until the end (the last real builds do not stream). */
  buffered: boolean;
}

/** Formats one SSE frame. */
export function formatFrame(name: string, json: string, framing: FramingOptions): string {
  const eol = framing.crlf ? "\r\n" : "\n";
  const lines: string[] = [];
  if (!framing.dataOnly) lines.push(`event: ${name}`);
  if (framing.splitData && json.length > 1) {
    const cut = json.indexOf(",") > 0 ? json.indexOf(",") + 1 : Math.floor(json.length / 2);
    lines.push(`data: ${json.slice(0, cut)}`, `data: ${json.slice(cut)}`);
  } else {
    lines.push(`data: ${json}`);
  }
  return lines.join(eol) + eol + eol;
}

/** Writes frames to a response, honouring back-pressure, tiny chunks and buffering. */
export class SseWriter {
  private held: string[] = [];
  constructor(
    private readonly res: ServerResponse,
    private readonly framing: FramingOptions,
  ) {}

  /** True once the client has gone away. */
  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Sends one protocol event. */
  async event(event: WorkerEvent): Promise<void> {
    await this.frame(event.type, JSON.stringify(event));
  }

  /** Sends an arbitrary frame (for fault modes). */
  async frame(name: string, data: string): Promise<void> {
    const text = formatFrame(name, data, this.framing);
    if (this.framing.buffered) this.held.push(text);
    else await this.write(text);
  }

  /** Flushes held frames and ends the response. */
  async end(): Promise<void> {
    if (this.held.length > 0) await this.write(this.held.splice(0).join(""));
    if (!this.closed) this.res.end();
  }

  private async write(text: string): Promise<void> {
    if (this.closed) return;
    if (!this.framing.tinyChunks) {
      if (!this.res.write(text)) await new Promise((r) => this.res.once("drain", r).once("close", r));
      return;
    }
    for (const byte of Buffer.from(text, "utf8")) {
      if (this.closed) return;
      this.res.write(Buffer.of(byte));
      await new Promise((r) => setImmediate(r));
    }
  }
}
