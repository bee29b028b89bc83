import { readSseFrames, type SseFrame } from "../client/sse-reader";
import { SSE_CONTENT_TYPE } from "../protocol/routes";
import { now } from "../util/clock";
import { percentiles as sharedPercentiles } from "../util/percentiles";
import { timeoutSignal } from "../util/timers";

/** An `/execute` answer read frame by frame, with the time each network chunk arrived. */
export interface RawStream {
  status: number;
  contentType: string;
  /** The body text when the answer was not an event stream. */
  text?: string;
  frames: (SseFrame & { at: number })[];
  /** `now()` when the request was sent. */
  sentAt: number;
  /** `now()` when the stream closed. */
  closedAt: number;
}

/** Sends `body` to `/execute` and reads the raw frames (bounded in time). */
export async function rawExecute(baseUrl: string, body: unknown, timeoutMs = 30_000): Promise<RawStream> {
  const sentAt = now();
  const res = await fetch(`${baseUrl}/execute`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: SSE_CONTENT_TYPE },
    body: JSON.stringify(body),
    signal: timeoutSignal(timeoutMs),
    redirect: "manual", // a worker's redirect is judged as its answer, never followed
  });
  const contentType = res.headers.get("content-type") ?? "";
  if (res.status !== 200 || !contentType.includes(SSE_CONTENT_TYPE) || !res.body) {
    return {
      status: res.status,
      contentType,
      text: (await res.text()).slice(0, 500),
      frames: [],
      sentAt,
      closedAt: now(),
    };
  }
  const frames: RawStream["frames"] = [];
  const reading = {
    idleTimeoutMs: timeoutMs,
    onIdle: () => new Error(`no data for ${timeoutMs} ms`),
    onTooLarge: () => new Error("frame too large"),
  };
  try {
    for await (const batch of readSseFrames(res.body, reading)) {
      const at = now();
      for (const f of batch) frames.push({ ...f, at });
    }
  } catch (error) {
    // Say what was waited for, and what had come: a stream that never ends is judged on that.
    const last = frames.at(-1);
    throw new Error(
      `waited ${timeoutMs} ms for the stream of job ${JSON.stringify((body as { job_id?: unknown })?.job_id)} to end; ` +
        `${frames.length} frame(s) came` +
        (last ? ` (the last: data: ${last.data.slice(0, 120)})` : "") +
        ` (${(error as Error).message})`,
    );
  }
  return { status: 200, contentType, frames, sentAt, closedAt: now() };
}

/** The JSON of a frame, or undefined. */
export function json(frame: SseFrame): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(frame.data);
    return v && typeof v === "object" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The first lines of a stream for evidence: `event: x | data: {...}`, at most `n` frames. */
export function firstLines(frames: SseFrame[], n = 3): string {
  const shown = frames
    .slice(0, n)
    .map((f) => `${f.event ? `event: ${f.event} ` : ""}data: ${f.data.slice(0, 120)}`);
  return shown.join(" / ") + (frames.length > n ? ` / … (${frames.length} frames)` : "");
}

/** Median and 95th percentile (NaN for none: evidence then reads "NaN ms"). */
export function percentiles(values: number[]): { p50: number; p95: number } {
  const { p50 = Number.NaN, p95 = Number.NaN } = sharedPercentiles(values);
  return { p50, p95 };
}

/** A duration for evidence. */
export const ms = (v: number) => `${v.toFixed(1)} ms`;
