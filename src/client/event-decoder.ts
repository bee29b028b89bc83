import { EVENT_TYPES, type EventType, type WorkerEvent } from "../protocol/events";

/** Why a frame is not a valid event, or the event it decodes to. */
export type DecodeResult = { ok: true; event: WorkerEvent } | { ok: false; problem: string };

/**
 * Turns one SSE frame into a protocol event. The event name comes from the
 * `event:` line or, in builds that send data-only frames, from the JSON `type`;
 * when both are present they must agree. Never throws.
 */
export function decodeEvent(frame: { event?: string; data: string }): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame.data);
  } catch {
    return { ok: false, problem: "event data is not JSON" };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, problem: "event data is not a JSON object" };
  }
  const payload = parsed as Record<string, unknown>;
  const named = frame.event && frame.event !== "message" ? frame.event : undefined;
  const typed = typeof payload.type === "string" ? payload.type : undefined;
  if (named && typed && named !== typed) {
    return {
      ok: false,
      problem: `event name ${JSON.stringify(named)} disagrees with data type ${JSON.stringify(typed)}`,
    };
  }
  const type = named ?? typed;
  if (!type) return { ok: false, problem: "event has neither an event: line nor a JSON type" };
  if (!EVENT_TYPES.includes(type as EventType)) {
    return { ok: false, problem: `unknown event name ${JSON.stringify(type)}` };
  }
  return { ok: true, event: (typed ? payload : { type, ...payload }) as unknown as WorkerEvent };
}
