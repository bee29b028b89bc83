import type { ReceivedEvent } from "../protocol/events";

/** Base class of every error this package throws on purpose. */
export class WorkerOrcdError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An error that happened part-way through a stream; carries what had arrived. */
export class StreamError extends WorkerOrcdError {
  /** Events received before the failure. */
  readonly events: ReceivedEvent[];
  /** The job the stream belonged to. */
  readonly jobId: string;
  constructor(message: string, jobId: string, events: ReceivedEvent[], options?: { cause?: unknown }) {
    super(message, options);
    this.jobId = jobId;
    this.events = events;
  }
}

/** The worker sent something that is not a valid protocol event. */
export class ProtocolError extends StreamError {
  /** The offending SSE frame, as received (its first 64 KiB). */
  readonly raw: string;
  constructor(message: string, jobId: string, raw: string, events: ReceivedEvent[]) {
    const shown = raw.length > 2000 ? `${raw.slice(0, 2000)}… [${raw.length - 2000} more characters]` : raw;
    super(`${message} (job ${JSON.stringify(jobId)}); raw frame: ${JSON.stringify(shown)}`, jobId, events);
    this.raw = raw.length > 65536 ? raw.slice(0, 65536) : raw;
  }
}

/** The stream went silent for longer than the idle timeout. */
export class IdleTimeoutError extends StreamError {}

/** The stream closed (or the connection broke) before a terminal event. */
export class IncompleteStreamError extends StreamError {}

/** A request did not complete within its timeout. */
export class RequestTimeoutError extends WorkerOrcdError {}

/** The worker answered with an unexpected HTTP status. */
export class WorkerHttpError extends WorkerOrcdError {
  readonly status: number;
  readonly body: string;
  constructor(message: string, status: number, body: string) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** A bad option: names it, says what was wrong and how to fix it. */
export class ConfigError extends WorkerOrcdError {}

/** The worker has no such route (the last real builds lack /cancel, /shutdown and /metrics). */
export class UnsupportedRouteError extends WorkerOrcdError {}
