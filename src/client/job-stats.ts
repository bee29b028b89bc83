import { normalizeErrorCode, normalizeStopReason, type ReceivedEvent } from "../protocol/events";
import { now } from "../util/clock";
import { LogHistogram, type SparseHistogram } from "../util/log-histogram";
import { arrivedAtOnce } from "./arrival";

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
  /** When the request was sent (epoch milliseconds, to a tenth). */
  startedAt?: number;
  /** The job's start relative to the run's start (set by the run report). */
  startMs?: number;
  /** Request sent to the response's headers (its first byte). */
  ttfbMs?: number;
  /** Request sent to first token. */
  ttftMs?: number;
  /** Time per output token: (end-to-end − TTFT) / (tokens − 1). */
  tpotMs?: number;
  /** Gaps between consecutive token arrivals, the inter-token latency (p50 and p95 from a log histogram, within 5 %). */
  gapMs?: { p50: number; p95: number; max: number };
  /** Every gap between tokens, as a log histogram (the run's ITL is the merge of its jobs'). */
  itl?: SparseHistogram;
  /** Network chunks that carried tokens. */
  chunks?: number;
  /** Gaps between those chunks (several tokens in one chunk are one arrival). */
  chunkGapMs?: { p50: number; p95: number; max: number };
  /** Output tokens per second from the request to the last token. */
  tokensPerSec?: number;
  /** End-to-end latency: request sent to the end of the stream (its terminal event, else the call's end). */
  totalMs: number;
  /** The first job(s) of its worker in this run: left out of the statistics and the gate (set by the run report). */
  warmup?: boolean;
  /** The SLO bounds it missed, when the reporter has an `slo` (set by the run report); empty when it met them. */
  sloMissed?: string[];
  /** False when every token arrived at once (the worker sent the stream after generating it). */
  streamed: boolean;
  /** Token arrival times (ms after the request), at most {@link MAX_ARRIVALS}, evenly thinned. */
  arrivals: number[];
}

/** Most token arrival times kept per job (for the timeline chart). */
export const MAX_ARRIVALS = 256;

/**
 * Bounded per-call measurements, fed batch by batch as the client decodes a
 * stream: counts, first and last arrival, log histograms of the gaps between
 * tokens and between network chunks, and a thinned list of arrivals. Memory
 * is constant whatever the stream length.
 */
export class JobStats {
  tokens = 0;
  private first?: number;
  private last?: number;
  private readonly gaps = new LogHistogram();
  private readonly chunkGaps = new LogHistogram();
  private chunks = 0;
  private lastChunk?: number;
  private answeredAt?: number;
  private ended?: number;
  private arrivalsKept: number[] = [];
  private stride = 1;
  private terminal?: string;

  constructor(private readonly sentAt: () => number) {}

  /** The response's headers arrived (its first byte). */
  answered(at = now()): void {
    this.answeredAt = at;
  }

  /** Takes one decoded batch (events of one network chunk share a receive time). */
  add(batch: ReceivedEvent[]): void {
    let sawToken = false;
    for (const e of batch) {
      if (e.type !== "token") {
        if (e.type === "end" || e.type === "error") {
          this.terminal =
            e.type === "end"
              ? normalizeStopReason(String(e.stop_reason))
              : normalizeErrorCode(String(e.code));
          this.ended = e.receivedAt ?? now();
        }
        continue;
      }
      const at = e.receivedAt ?? now();
      if (!sawToken) {
        sawToken = true;
        if (this.lastChunk !== undefined) this.chunkGaps.add(at - this.lastChunk);
        this.lastChunk = at;
        this.chunks++;
      }
      if (this.last !== undefined) this.gaps.add(at - this.last);
      else this.first = at;
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
    const at = this.ended ?? now();
    const round = (v: number) => Math.round(v * 100) / 100;
    const span = this.first !== undefined && this.last !== undefined ? this.last - sent : undefined;
    const ttft = this.first === undefined ? undefined : this.first - sent;
    const e2e = at - sent;
    const tpot = tpotOf(e2e, ttft, this.tokens);
    const q = (h: LogHistogram, p: number) => round(h.quantile(p) ?? 0);
    return {
      ...base,
      startedAt: Math.round((Date.now() - (now() - sent)) * 10) / 10,
      outcome: this.terminal ?? failure?.name ?? "incomplete",
      tokens: this.tokens,
      ttfbMs: this.answeredAt === undefined ? undefined : round(this.answeredAt - sent),
      ttftMs: ttft === undefined ? undefined : round(ttft),
      tpotMs: tpot === undefined ? undefined : round(tpot),
      gapMs:
        this.gaps.count > 0
          ? { p50: q(this.gaps, 0.5), p95: q(this.gaps, 0.95), max: round(this.gaps.max) }
          : undefined,
      itl: this.gaps.count > 0 ? this.gaps.toJSON() : undefined,
      chunks: this.chunks,
      chunkGapMs:
        this.chunkGaps.count > 0
          ? { p50: q(this.chunkGaps, 0.5), p95: q(this.chunkGaps, 0.95), max: round(this.chunkGaps.max) }
          : undefined,
      tokensPerSec: span && span > 0 ? round((this.tokens / span) * 1000) : undefined,
      totalMs: round(e2e),
      streamed:
        this.first !== undefined && this.last !== undefined && !arrivedAtOnce([this.first, this.last]),
      arrivals: this.arrivalsKept.map((a) => round(a - sent)),
    };
  }
}

/** Time per output token: (end-to-end − TTFT) / (tokens − 1); undefined below two tokens. */
export function tpotOf(e2eMs: number, ttftMs: number | undefined, tokens: number): number | undefined {
  return ttftMs === undefined || tokens < 2 ? undefined : Math.max(0, e2eMs - ttftMs) / (tokens - 1);
}
