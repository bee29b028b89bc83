import { normalizeStopReason } from "./events";

/** Options of {@link describeEvents}. */
export interface TimelineOptions {
  /** Index of the event to mark as the offending one. */
  mark?: number;
  /** One line per entry (for failure messages) instead of one line in all. */
  multiline?: boolean;
  /** Runs of this many tokens or more are collapsed. Default 4. */
  collapseAt?: number;
  /** Number of the first given event (for a window cut from a longer stream). Default 0. */
  offset?: number;
}

type Loose = { type?: unknown } & Record<string, unknown>;

function one(event: Loose): string {
  switch (event?.type) {
    case "started":
      return `started job_id=${JSON.stringify(event.job_id)}`;
    case "token":
      return `token i=${String(event.i)} ${JSON.stringify(event.t)}`;
    case "metrics":
      return `metrics ${typeof event.tokens_per_sec === "number" ? Number(event.tokens_per_sec.toFixed(1)) : String(event.tokens_per_sec)} tok/s`;
    case "end": {
      const seq =
        event.stop_sequence_matched !== undefined
          ? ` matched=${JSON.stringify(event.stop_sequence_matched)}`
          : "";
      return `end ${normalizeStopReason(String(event.stop_reason))} tokens_out=${String(event.tokens_out)}${seq}`;
    }
    case "error":
      return `error ${String(event.code)} ${JSON.stringify(event.message)}`;
    default:
      return `?? ${JSON.stringify(event)}`;
  }
}

function preview(text: string, max = 24): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * A compact timeline of a stream: one entry per event, runs of tokens
 * collapsed (`#1..#41 token x41 ("Hello, wor…")`), the marked event flagged.
 */
export function describeEvents(events: readonly unknown[], options: TimelineOptions = {}): string {
  if (!Array.isArray(events) || events.length === 0) return "(no events)";
  const collapseAt = options.collapseAt ?? 4;
  const at = options.offset ?? 0;
  options = { ...options, mark: options.mark === undefined ? undefined : options.mark - at };
  const entries: string[] = [];
  let k = 0;
  while (k < events.length) {
    const event = events[k] as Loose;
    let end = k;
    if (event?.type === "token") {
      while (
        end + 1 < events.length &&
        (events[end + 1] as Loose)?.type === "token" &&
        end + 1 !== options.mark
      )
        end++;
      if (k === options.mark) end = k;
    }
    const run = end - k + 1;
    if (run >= collapseAt) {
      const text = events
        .slice(k, end + 1)
        .map((e) => String((e as Loose).t))
        .join("");
      entries.push(`#${k + at}..#${end + at} token x${run} (${preview(text)})`);
    } else {
      for (let j = k; j <= end; j++) {
        const marker = j === options.mark ? "  <-- here" : "";
        entries.push(`#${j + at} ${one(events[j] as Loose)}${marker}`);
      }
    }
    k = end + 1;
  }
  return options.multiline ? entries.map((e) => `  ${e}`).join("\n") : entries.join("  ");
}
