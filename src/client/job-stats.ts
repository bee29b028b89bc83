import { normalizeErrorCode, normalizeStopReason, type ReceivedEvent } from "../protocol/events";
import { now } from "../util/clock";

/** What one `execute()`/`stream()` call measured: the run report's job record. */
export interface JobRecord {
  /** The test that started the call (full name), when known. */
  test?: string;
  jobId: string;
  /** The worker's base URL. */
  worker: string;
  promptChars: number;
  maxTokens?: number;
  /** Stop reason (lower case), error code, or how the call failed (`"RequestTimeoutError"`, ...). */
  outcome: string;
  tokens: number;
  /** Request sent to first token. */
  ttftMs?: number;
  /** Gaps between consecutive token arrivals (p50 and p95 from a log histogram, within 5 %). */
  gapMs?: { p50: number; p95: number; max: number };
  /** Tokens per second from the request to the last token. */
  tokensPerSec?: number;
  /** Request sent to the end of the stream. */
  totalMs: number;
  /** False when every token arrived at once (the worker sent the stream after generating it). */
  streamed: boolean;
  /** Token arrival times (ms after the request), at most {@link MAX_ARRIVALS}, evenly thinned. */
  arrivals: number[];
}

/** Most token arrival times kept per job (for the timeline chart). */
export const MAX_ARRIVALS = 256;
/** Log-histogram buckets per factor e (≈5 % wide) from 1 µs up. */
const PER_E = 20;
const BUCKETS = 20 * 24;
const MIN_MS = 0.001;

/**
 * Bounded per-call measurements, fed batch by batch as the client decodes a
 * stream: counts, first and last arrival, a log histogram of gaps and a
 * thinned list of arrivals. Memory is constant whatever the stream length.
 */
export class JobStats {
  tokens = 0;
  private first?: number;
  private last?: number;
  private maxGap = 0;
  private gaps = 0;
  private readonly histogram = new Uint32Array(BUCKETS);
  private arrivalsKept: number[] = [];
  private stride = 1;
  private terminal?: string;

  constructor(private readonly sentAt: () => number) {}

  /** Takes one decoded batch (events of one network chunk share a receive time). */
  add(batch: ReceivedEvent[]): void {
    for (const e of batch) {
      if (e.type !== "token") {
        if (e.type === "end") this.terminal = normalizeStopReason(String(e.stop_reason));
        else if (e.type === "error") this.terminal = normalizeErrorCode(String(e.code));
        continue;
      }
      const at = e.receivedAt ?? now();
      if (this.last !== undefined) {
        const gap = at - this.last;
        if (gap > this.maxGap) this.maxGap = gap;
        const k = gap <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(gap / MIN_MS) * PER_E) + 1);
        this.histogram[k]++;
        this.gaps++;
      } else this.first = at;
      this.last = at;
      if (this.tokens % this.stride === 0) {
        this.arrivalsKept.push(at);
        if (this.arrivalsKept.length >= MAX_ARRIVALS) {
          this.arrivalsKept = this.arrivalsKept.filter((_, i) => i % 2 === 0);
          this.stride *= 2;
        }
      }
      this.tokens++;
    }
  }

  /** The record, once the call is over; `failure` names how it failed, if it did. */
  record(
    base: Pick<JobRecord, "test" | "jobId" | "worker" | "promptChars" | "maxTokens">,
    failure?: Error,
  ): JobRecord {
    const sent = this.sentAt();
    const at = now();
    const round = (v: number) => Math.round(v * 100) / 100;
    const span = this.first !== undefined && this.last !== undefined ? this.last - sent : undefined;
    return {
      ...base,
      outcome: this.terminal ?? failure?.name ?? "incomplete",
      tokens: this.tokens,
      ttftMs: this.first === undefined ? undefined : round(this.first - sent),
      gapMs:
        this.gaps > 0
          ? { p50: round(this.quantile(0.5)), p95: round(this.quantile(0.95)), max: round(this.maxGap) }
          : undefined,
      tokensPerSec: span && span > 0 ? round((this.tokens / span) * 1000) : undefined,
      totalMs: round(at - sent),
      streamed: this.first !== undefined && this.last !== undefined && this.last - this.first > 1,
      arrivals: this.arrivalsKept.map((a) => round(a - sent)),
    };
  }

  private quantile(q: number): number {
    const want = Math.ceil(q * this.gaps);
    let seen = 0;
    for (let k = 0; k < BUCKETS; k++) {
      seen += this.histogram[k];
      if (seen >= want) return k === 0 ? 0 : Math.min(this.maxGap, MIN_MS * Math.exp((k - 0.5) / PER_E));
    }
    return this.maxGap;
  }
}
