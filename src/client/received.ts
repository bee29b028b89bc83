import type { ReceivedEvent, WorkerEvent } from "../protocol/events";
import { now } from "../util/clock";

/** Key (shared across Jest's realms) under which an event list records where it came from. */
export const EVENT_SOURCE = Symbol.for("worker-orcd-jest.eventSource");

/** Where a list of events came from, for failure messages. */
export interface EventSource {
  /** A short label, e.g. the worker's base URL. */
  label: string;
  /** Last lines of that worker's log, when known. */
  logTail?: (lines: number) => string[];
  /** The time the request was sent (`now()`), for latency matchers. */
  requestedAt?: number;
}

/**
 * An event with its receive time. The time lives in a private field behind a
 * prototype getter, so the event's own properties — its JSON, `Object.keys`,
 * spreads, `toEqual` — are exactly the worker's. The prototype's `constructor`
 * is `Object`, so `toStrictEqual` against an object literal holds too.
 * (This is cheaper than defining a non-enumerable property on every event.)
 */
class Stamped {
  readonly #at: number;
  constructor(payload: object, at: number) {
    Object.assign(this, payload);
    this.#at = at;
  }
  /** `now()` when the client decoded this event. */
  get receivedAt(): number {
    return this.#at;
  }
}
Object.defineProperty(Stamped.prototype, "constructor", { value: Object, enumerable: false });

/** The event with its receive time (a new object with the same own properties). */
export function stampReceived<E extends WorkerEvent>(event: E, at = now()): ReceivedEvent<E> {
  return new Stamped(event, at) as unknown as ReceivedEvent<E>;
}

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
