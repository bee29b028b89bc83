import { isTerminal, type ReceivedEvent } from "../protocol/events";
import { now } from "../util/clock";
import { IdleTimeoutError, IncompleteStreamError, ProtocolError } from "./errors";
import { decodeEvent } from "./event-decoder";
import type { EventSink } from "./event-sink";
import { stampReceived } from "./received";
import { readSseFrames } from "./sse-reader";

/** Options of {@link decodeEventStream}. */
export interface EventStreamOptions {
  /** Named in error messages. */
  jobId: string;
  /** Longest silence before an {@link IdleTimeoutError}. */
  idleTimeoutMs: number;
  /** How long to keep reading after the terminal event for anything sent after it. */
  afterTerminalMs: number;
}

/**
 * Decodes an `/execute` SSE body into protocol events, pushing each into
 * `events` (so a caller still has them after an error) and yielding them in
 * batches, one per network chunk.
 * Invalid frames are {@link ProtocolError}s; a silent stream an
 * {@link IdleTimeoutError}; a stream closed before a terminal event an
 * {@link IncompleteStreamError}.
 */
export async function* decodeEventStream(
  body: ReadableStream<Uint8Array>,
  options: EventStreamOptions,
  events: EventSink,
): AsyncGenerator<ReceivedEvent[], void, undefined> {
  const { jobId } = options;
  const reading = {
    idleTimeoutMs: options.idleTimeoutMs,
    onIdle: (waited: number): Error | undefined =>
      events.sawTerminal
        ? undefined
        : new IdleTimeoutError(
            `stream of job ${JSON.stringify(jobId)} was silent for ${waited} ms (idle timeout) ` +
              `after ${events.length} event(s): ${events.describe()}`,
            jobId,
            events.kept(),
          ),
    onTooLarge: (chars: number): Error =>
      new ProtocolError(
        `worker sent a frame longer than ${chars} characters without ending it`,
        jobId,
        "(frame too large to show)",
        events.kept(),
      ),
  };
  for await (const frames of readSseFrames(body, reading)) {
    const at = now();
    const batch: ReceivedEvent[] = [];
    for (const frame of frames) {
      const decoded = decodeEvent(frame);
      if (!decoded.ok) {
        const raw = frame.event ? `event: ${frame.event}\ndata: ${frame.data}` : `data: ${frame.data}`;
        throw new ProtocolError(
          `worker sent an invalid event: ${decoded.problem}`,
          jobId,
          raw,
          events.kept(),
        );
      }
      const event = stampReceived(decoded.event, at);
      events.push(event);
      batch.push(event);
      if (isTerminal(event)) reading.idleTimeoutMs = options.afterTerminalMs;
    }
    yield batch;
  }
  if (!events.sawTerminal) {
    throw new IncompleteStreamError(
      `stream of job ${JSON.stringify(jobId)} closed without a terminal event (end or error) ` +
        `after ${events.length} event(s): ${events.describe()}`,
      jobId,
      events.kept(),
    );
  }
}
