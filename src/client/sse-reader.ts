import { createParser, type EventSourceMessage, type ParseError } from "eventsource-parser";
import { clearTimeout, setTimeout } from "../util/clock";
import { timerDelay } from "../util/timers";

/** One SSE frame: its event name (when it had an `event:` line), its id (from `id:`) and its data. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** Options of {@link readSseFrames}. */
export interface ReadSseOptions {
  /** Longest silence between two chunks before `onIdle` is thrown. */
  idleTimeoutMs: number;
  /**
   * Builds the error thrown when the stream is idle too long; `undefined`
   * ends the stream quietly instead (the caller already has all it needs).
   */
  onIdle: (waitedMs: number) => Error | undefined;
  /** Builds the error thrown when one frame grows past {@link MAX_FRAME_CHARS} (a worker that never ends its line). */
  onTooLarge: (chars: number) => Error;
}

/** Largest SSE frame accepted, in characters: far above any real event, low enough to bound memory. */
export const MAX_FRAME_CHARS = 16 * 1024 * 1024;

/**
 * Decodes a byte stream into SSE frames incrementally, yielding the frames
 * each chunk completes as one batch (one await per chunk, not per frame): a
 * chunk may end inside a UTF-8 character, a line or a `\r\n`. Comments, `id:`, `retry:` and
 * multi-line `data:` follow the SSE specification (eventsource-parser); lines
 * with unknown fields, a bad `retry:` or no colon are ignored, as it says.
 */
export async function* readSseFrames(
  body: ReadableStream<Uint8Array>,
  options: ReadSseOptions,
): AsyncGenerator<SseFrame[], void, undefined> {
  const decoder = new TextDecoder("utf-8");
  const pending: SseFrame[] = [];
  let tooLarge = false;
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => pending.push(m),
    // eventsource-parser reports unknown fields (`x-trace: 1`), a non-numeric `retry:` and colon-less lines
    // through the same callback: the SSE specification says to ignore those lines. Only a frame that really
    // outgrew the buffer is an error.
    onError: (error: ParseError) => {
      if (error.type === "max-buffer-size-exceeded") tooLarge = true;
    },
    maxBufferSize: MAX_FRAME_CHARS,
  });
  const reader = body.getReader();
  let done = false;
  try {
    while (!done) {
      let timer: NodeJS.Timeout | undefined;
      const waited = options.idleTimeoutMs;
      const idle = new Promise<"idle">((resolve) => {
        timer = setTimeout(() => resolve("idle"), timerDelay(waited));
      });
      let chunk: Awaited<ReturnType<typeof reader.read>> | "idle";
      try {
        chunk = await Promise.race([reader.read(), idle]);
      } finally {
        clearTimeout(timer);
      }
      if (chunk === "idle") {
        const error = options.onIdle(waited);
        if (error) throw error;
        return;
      }
      if (chunk.done) {
        done = true;
        // A frame without its closing blank line is discarded, as the SSE specification says.
        parser.feed(decoder.decode());
      } else {
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
      if (tooLarge) throw options.onTooLarge(MAX_FRAME_CHARS);
      if (pending.length > 0) yield pending.splice(0);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
