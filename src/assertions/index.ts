import { WorkerOrcdError } from "../client/errors";
import { EventSink } from "../client/event-sink";
import { decodeEventStream } from "../client/event-stream";
import { eventStreamBody } from "../client/http";
import { logTailSection } from "../matchers/message";
import {
  checkEventOrder,
  checkSuccess,
  checkTokenCount,
  notEvents,
  type TokenCountExpectation,
  textOf,
  tokensOf,
  type Verdict,
} from "../matchers/rules";
import type { EndEvent, ReceivedEvent } from "../protocol/events";
import { describeEvents } from "../protocol/timeline";

/** A plain assertion helper failed; the message has the broken rule and the timeline. */
export class EventAssertionError extends WorkerOrcdError {}

function enforce(verdict: Verdict, events: unknown): void {
  if (verdict.pass) return;
  const at = verdict.index !== undefined ? ` at event #${verdict.index}` : "";
  const timeline = Array.isArray(events)
    ? `\n${describeEvents(events, { mark: verdict.index, multiline: true })}`
    : "";
  throw new EventAssertionError(
    `${verdict.rule}${at}: ${verdict.detail}${timeline}${logTailSection(events)}`,
  );
}

/** Throws unless the events follow every ordering rule (same rules as `toHaveValidEventOrder`). */
export function assertEventOrder(events: unknown): void {
  enforce(checkEventOrder(events), events);
}

/** Throws unless the job completed successfully (same rules as `toCompleteSuccessfully`). */
export function assertSuccessfulCompletion(events: unknown): void {
  enforce(checkSuccess(events), events);
}

/** Throws unless the token count is `expected` (or within `{ atLeast, atMost }`). */
export function assertTokenCount(events: unknown, expected: TokenCountExpectation): void {
  enforce(checkTokenCount(events, expected), events);
}

/** The token texts, in order. */
export function extractTokens(events: readonly unknown[]): string[] {
  enforce(notEvents(events) ?? { pass: true, rule: "", detail: "" }, events);
  return tokensOf(events).map((e) => String(e.t));
}

/** The concatenated token text. */
export function extractText(events: readonly unknown[]): string {
  enforce(notEvents(events) ?? { pass: true, rule: "", detail: "" }, events);
  return textOf(events);
}

/** The `end` event; throws when there is none. */
export function extractEndEvent(events: readonly unknown[]): EndEvent {
  const end = (Array.isArray(events) ? events : []).find((e) => (e as { type?: string })?.type === "end");
  if (!end) enforce({ pass: false, rule: "end event", detail: "the stream has no end event" }, events);
  return end as EndEvent;
}

/**
 * Collects the events of a `fetch` Response to `/execute` (for users who make
 * their own requests), with the same decoding and errors as the client.
 */
export async function collectSseEvents(
  response: Response,
  options: { jobId?: string; idleTimeoutMs?: number } = {},
): Promise<ReceivedEvent[]> {
  const jobId = options.jobId ?? "(unknown)";
  // Name what was given: a user's own request may not be POST /execute at all.
  const body = await eventStreamBody(
    response,
    jobId,
    `the response given to collectSseEvents (${response.url || "a Response without a URL"})`,
  );
  const events = new EventSink();
  const stream = decodeEventStream(
    body,
    {
      jobId,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      afterTerminalMs: 200,
    },
    events,
  );
  for await (const batch of stream) void batch;
  return events.kept();
}
