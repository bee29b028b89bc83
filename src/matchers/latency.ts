import { sourceOf } from "../client/received";
import type { Verdict } from "./rules";
import { notEvents, tokensOf } from "./rules";

type Stamped = { receivedAt?: number };

/** Receive times of the token events and the request time, or why they are missing. */
export function tokenTimes(events: unknown): { times: number[]; requestedAt: number } | Verdict {
  const invalid = notEvents(events);
  if (invalid) return invalid;
  const requestedAt = sourceOf(events)?.requestedAt;
  const times = tokensOf(events as unknown[]).map((e) => (e as Stamped).receivedAt);
  if (requestedAt === undefined || times.some((t) => typeof t !== "number")) {
    return {
      pass: false,
      rule: "receive times",
      detail: "the events carry no receive times: collect them with worker.execute() or a WorkerClient",
    };
  }
  if (times.length === 0)
    return { pass: false, rule: "receive times", detail: "the stream has no token events" };
  return { times: times as number[], requestedAt };
}

/** The package's one rule for a stream that arrived at once (see `client/arrival`). */
export { arrivedAtOnce } from "../client/arrival";

/** Note added to latency messages for workers that do not stream. */
export const UNSTREAMED_NOTE =
  " (all tokens arrived at once: this worker does not stream, so time to first token equals the whole generation time)";
