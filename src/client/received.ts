import type { ReceivedEvent, WorkerEvent } from "../protocol/events";

/** Key (shared across Jest's realms) under which an event list records where it came from. */
export const EVENT_SOURCE = Symbol.for("worker-orcd-jest.eventSource");

/** Where a list of events came from, for failure messages. */
export interface EventSource {
  /** A short label, e.g. the worker's base URL. */
  label: string;
  /** Last lines of that worker's log, when known. */
  logTail?: (lines: number) => string[];
  /** The time the request was sent (`performance.now()`), for latency matchers. */
  requestedAt?: number;
  /** True when the worker is known to deliver the stream all at once (not streamed). */
  buffered?: boolean;
}

/** Stamps an event with its receive time, as a non-enumerable property. */
export function stampReceived<E extends WorkerEvent>(event: E, at = performance.now()): ReceivedEvent<E> {
  STAMP.value = at; // one reused descriptor: this runs for every event of every stream
  Object.defineProperty(event, "receivedAt", STAMP);
  return event as ReceivedEvent<E>;
}

const STAMP: PropertyDescriptor = { value: 0, enumerable: false, configurable: true, writable: false };

/** Attaches a source to an event list (non-enumerable, so equality is unchanged). */
export function attachSource<T extends object>(events: T, source: EventSource): T {
  Object.defineProperty(events, EVENT_SOURCE, { value: source, enumerable: false, configurable: true });
  return events;
}

/** Reads the source attached by {@link attachSource}, if any. */
export function sourceOf(events: unknown): EventSource | undefined {
  if (!events || typeof events !== "object") return undefined;
  return (events as Record<symbol, EventSource | undefined>)[EVENT_SOURCE];
}
