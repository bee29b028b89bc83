import { isTerminal, type ReceivedEvent } from "../protocol/events";
import { describeEvents } from "../protocol/timeline";

/** Events kept from the start of a windowed stream (the `started` event and the first tokens). */
const HEAD = 8;

/**
 * Where a stream's decoded events go: every event (for `execute()`, which
 * returns them all), or a bounded window (for `stream()`, whose caller
 * consumes them as they come): the first few, the last `window`, and counts.
 * Error messages and the events an error carries come from what is kept, so
 * memory stays flat over any stream length.
 */
export class EventSink {
  /** Every event pushed, kept or not. */
  length = 0;
  /** True once a terminal event (`end` or `error`) has arrived. */
  sawTerminal = false;
  private readonly head: ReceivedEvent[] = [];
  private tail: ReceivedEvent[] = [];

  /** @param window keep only the last `window` events (and the first few); undefined keeps all. */
  constructor(private readonly window?: number) {}

  push(event: ReceivedEvent): void {
    this.length++;
    if (isTerminal(event)) this.sawTerminal = true;
    if (this.window === undefined || this.head.length < HEAD) {
      this.head.push(event);
      return;
    }
    this.tail.push(event);
    // Trim in batches: amortised O(1) per event, at most twice the window held.
    if (this.tail.length >= 2 * this.window) this.tail = this.tail.slice(-this.window);
  }

  /** Number of events pushed but no longer kept. */
  get dropped(): number {
    return this.length - this.head.length - Math.min(this.tail.length, this.window ?? Infinity);
  }

  /** The kept events in order: all of them, or the head and the last `window`. */
  kept(): ReceivedEvent[] {
    if (this.window === undefined) return this.head;
    return [...this.head, ...this.tail.slice(-this.window)];
  }

  /** A one-line timeline of the kept events, saying how many in the middle were not kept. */
  describe(): string {
    if (this.dropped === 0) return describeEvents(this.kept());
    const last = this.tail.slice(-this.window!);
    const first = describeEvents(this.head);
    const rest = describeEvents(last, { offset: this.length - last.length });
    return `${first}  … ${this.dropped} event(s) not kept …  ${rest}`;
  }
}
