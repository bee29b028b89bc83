import type { ErrorCode, StopReason } from "../protocol/events";
import type { ExecuteRequest } from "../protocol/request";
import type { SloBounds } from "../report/metrics";
import type { TranscriptMatchOptions } from "../transcripts/compare";
import type { TokenCountExpectation } from "./rules";
import type { DeterminismOptions } from "./toBeDeterministic";
import type { CleanStopBounds } from "./toHaveStoppedCleanly";
import type { StallBounds } from "./toStreamWithoutStalls";

/** The matchers' signatures; augmented into Jest's `Matchers` for both `@types/jest` and `@jest/globals`. */
export interface WorkerOrcdMatchers<R> {
  /** Every ordering rule of docs/protocol.md holds. */
  toHaveValidEventOrder(): R;
  /** Valid order, ending with `end` and reason max_tokens, eos or stop_sequence. */
  toCompleteSuccessfully(): R;
  /** Exactly `n` token events, or within `{ atLeast, atMost }`. */
  toHaveTokenCount(expected: TokenCountExpectation): R;
  /** The end event's stop reason (case-insensitive). */
  toHaveStopReason(reason: StopReason | Uppercase<StopReason>): R;
  /** Ended by this stop sequence. */
  toHaveMatchedStopSequence(sequence: string): R;
  /** A terminal error with this code (CANCELLED also as end/cancelled; TIMEOUT = INFERENCE_TIMEOUT). */
  toFailWithCode(code: ErrorCode): R;
  /** The token text equals the string or matches the RegExp. */
  toHaveText(expected: string | RegExp): R;
  /** The first token arrived within `ms` of the request. */
  toHaveFirstTokenWithin(ms: number): R;
  /** The job met latency bounds (any of `ttftMs`, `tpotMs`, `e2eMs`), measured as the run report measures them. */
  toMeetSlo(slo: SloBounds): R;
  /** At least `tokensPerSecond` tokens per second. */
  toStreamAtLeast(tokensPerSecond: number): R;
  /** The first token within `firstTokenMs` of the request; from it on, no gap between events longer than `gapMs`. */
  toStreamWithoutStalls(bounds: StallBounds): R;
  /** A healthy `/health` body (minimal or full form). */
  toBeHealthy(): R;
  /**
   * The same request gives the same tokens in `runs` runs (default 3) on this worker, harness or client;
   * async: `await expect(worker).toBeDeterministic(request)`.
   */
  toBeDeterministic(request: ExecuteRequest, options?: DeterminismOptions): Promise<R>;
  /**
   * A stopped `WorkerTestHarness` (or the report of `await harness.stop()`) went cleanly: exit 0 within the
   * grace (or `withinMs`) after SIGTERM, no process of its tree left, its GPU memory given back.
   */
  toHaveStoppedCleanly(bounds?: CleanStopBounds): R;
  /** A rejected request naming every given field. */
  toBeRejectedFor(fields: string | string[]): R;
  /** The events match this file's transcript `name` (token text exactly; see the README). */
  toMatchTranscript(name: string, options?: TranscriptMatchOptions): R;
}
