/** Why a generation ended (docs/protocol.md, `end` event). */
export type StopReason = "max_tokens" | "eos" | "stop_sequence" | "cancelled" | "error";

/** Every stop reason, in specification spelling. */
export const STOP_REASONS: readonly StopReason[] = [
  "max_tokens",
  "eos",
  "stop_sequence",
  "cancelled",
  "error",
];

/** Stop reasons that count as a successful completion. */
export const SUCCESS_STOP_REASONS: readonly StopReason[] = ["max_tokens", "eos", "stop_sequence"];

/** Stable error codes. `TIMEOUT` is the legacy spelling of `INFERENCE_TIMEOUT`. */
export type ErrorCode =
  | "INVALID_REQUEST"
  | "MODEL_LOAD_FAILED"
  | "INSUFFICIENT_VRAM"
  | "VRAM_OOM"
  | "CUDA_ERROR"
  | "INFERENCE_TIMEOUT"
  | "TIMEOUT"
  | "INFERENCE_FAILED"
  | "CANCELLED"
  | "INTERNAL";

/** Every error code, the legacy `TIMEOUT` included. */
export const ERROR_CODES: readonly ErrorCode[] = [
  "INVALID_REQUEST",
  "MODEL_LOAD_FAILED",
  "INSUFFICIENT_VRAM",
  "VRAM_OOM",
  "CUDA_ERROR",
  "INFERENCE_TIMEOUT",
  "TIMEOUT",
  "INFERENCE_FAILED",
  "CANCELLED",
  "INTERNAL",
];

/** Event names of the `/execute` stream. */
export type EventType = "started" | "token" | "metrics" | "end" | "error";

/** Every event name. */
export const EVENT_TYPES: readonly EventType[] = ["started", "token", "metrics", "end", "error"];

/** Event names that end a stream. */
export const TERMINAL_EVENT_TYPES: readonly EventType[] = ["end", "error"];

/** First event of a job. */
export interface StartedEvent {
  type: "started";
  job_id: string;
  model: string;
  /** RFC 3339 in the specification; placeholders ("0", Unix seconds) in real builds. */
  started_at: string | number;
}

/** One generated token. */
export interface TokenEvent {
  type: "token";
  /** Token text, valid UTF-8. */
  t: string;
  /** 0-based index. */
  i: number;
}

/** Optional progress metrics; any number of them. */
export interface MetricsEvent {
  type: "metrics";
  tokens_per_sec: number;
  vram_bytes: number;
}

/** Successful (or cancelled) end of a job. */
export interface EndEvent {
  type: "end";
  tokens_out: number;
  decode_time_ms: number;
  /** Some builds send it upper-case; compare with {@link normalizeStopReason}. */
  stop_reason: StopReason | Uppercase<StopReason>;
  /** Present only when `stop_reason` is `stop_sequence`. */
  stop_sequence_matched?: string;
}

/** Failure of a job. */
export interface ErrorEvent {
  type: "error";
  code: ErrorCode | string;
  message: string;
  /** Newer builds only. */
  retriable?: boolean;
}

/** Any event of the `/execute` stream, discriminated on `type`. */
export type WorkerEvent = StartedEvent | TokenEvent | MetricsEvent | EndEvent | ErrorEvent;

/** Events ending a stream. */
export type TerminalEvent = EndEvent | ErrorEvent;

/**
 * An event as the client collected it. The receive time is a getter on the
 * event's prototype (backed by a private field), not an own property, so the
 * event's JSON shape, `toEqual` and `toStrictEqual` against literals are unchanged.
 */
export type ReceivedEvent<E extends WorkerEvent = WorkerEvent> = E & {
  /** `now()` when the client decoded this event. */
  readonly receivedAt?: number;
};

/** True for `end` and `error`. */
export function isTerminal(event: { type: string }): event is TerminalEvent {
  return event.type === "end" || event.type === "error";
}

/** Lower-cases a stop reason, so `MAX_TOKENS` and `max_tokens` compare equal. */
export function normalizeStopReason(reason: string): string {
  return String(reason).toLowerCase();
}

/** Maps the legacy `TIMEOUT` to `INFERENCE_TIMEOUT`; other codes pass unchanged. */
export function normalizeErrorCode(code: string): string {
  const upper = String(code).toUpperCase();
  return upper === "TIMEOUT" ? "INFERENCE_TIMEOUT" : upper;
}
