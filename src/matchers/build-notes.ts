import { decodeByteLevel, looksByteLevel } from "../protocol/byte-level";
import { arrivedAtOnce } from "./latency";

type Loose = { type?: unknown; t?: unknown; stop_reason?: unknown; receivedAt?: number };

/**
 * Notes for a failure message about how the stream differs from the
 * specification in the ways the last real worker-orcd builds do, so a
 * failing matcher says why instead of only "expected ...". Empty when the
 * stream has none of them.
 */
export function buildNotes(received: unknown): string[] {
  if (!Array.isArray(received)) return [];
  const events = received as Loose[];
  const tokens = events.filter((e) => e?.type === "token");
  const text = tokens.map((e) => (typeof e.t === "string" ? e.t : "")).join("");
  const notes: string[] = [];
  if (looksByteLevel(text))
    notes.push(
      `the tokens are byte-level BPE pieces ("Ġ" for a space), not text, as build 5d6c9a4a sends them; decoded, the text is ${JSON.stringify(decodeByteLevel(text))}`,
    );
  const end = events.find((e) => e?.type === "end");
  if (typeof end?.stop_reason === "string" && end.stop_reason !== end.stop_reason.toLowerCase())
    notes.push(
      `the stop reason is upper-case (${end.stop_reason}), as the last real builds send it; build 5d6c9a4a also reports MAX_TOKENS where generation hit end-of-sequence`,
    );
  const times = tokens.map((e) => e.receivedAt).filter((t): t is number => typeof t === "number");
  if (arrivedAtOnce(times))
    notes.push(
      "every token arrived at once: the worker did not stream (the last real builds generate first, then send), so time to first token is the whole job's time",
    );
  return notes;
}
