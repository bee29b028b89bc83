import type { WorkerEvent } from "../protocol/events";
import { percent } from "../util/percent";
import { contextDifferences, describeContext } from "./context";
import type { Transcript, TranscriptContext } from "./types";

/** How `toMatchTranscript` compares. */
export interface TranscriptMatchOptions {
  /** Relative tolerance of numbers other than token indices (`tokens_out`, `vram_bytes`, ...). Default 0 (exact). */
  numberTolerance?: number;
  /** Compare time to first token and total time too, within this relative tolerance. Default: timings ignored. */
  timingTolerance?: number;
  /** Fail when the transcript was recorded on another GPU, driver, CUDA, model or binary, even if the tokens match. */
  strictContext?: boolean;
}

/** Fields that are timings, identities or placeholders: never compared. */
const IGNORED = new Set(["job_id", "started_at", "decode_time_ms", "tokens_per_sec", "model", "receivedAt"]);
const CONTEXT_TOKENS = 3;

const tokensOf = (events: WorkerEvent[]) =>
  events.filter((e): e is Extract<WorkerEvent, { type: "token" }> => e.type === "token").map((e) => e.t);

/** The verdict: `pass`, and a message that says what differs (or, for `.not`, that nothing does). */
export interface TranscriptVerdict {
  pass: boolean;
  message: string;
}

/**
 * Compares events with a transcript: the token texts exactly (the first
 * differing token with the tokens around it), the event kinds and their
 * non-timing fields (numbers within `numberTolerance`), timings only when
 * asked. A transcript recorded in another context is named as such.
 */
export function compareTranscript(
  events: WorkerEvent[],
  transcript: Transcript,
  now: TranscriptContext | undefined,
  options: TranscriptMatchOptions = {},
  sentAt?: number,
): TranscriptVerdict {
  const differences = now ? contextDifferences(transcript.context, now) : [];
  const where =
    differences.length > 0
      ? `\nRecorded in another context: ${describeContext(transcript.context)}; now: ${describeContext(now!)} (${differences.join(", ")}).`
      : "";
  const problems: string[] = [];
  const want = tokensOf(transcript.events);
  const got = tokensOf(events);
  const at = firstDifference(want, got);
  if (at !== undefined) {
    const show = (list: string[]) =>
      list
        .slice(Math.max(0, at - CONTEXT_TOKENS), at + CONTEXT_TOKENS + 1)
        .map((t, k) =>
          k + Math.max(0, at - CONTEXT_TOKENS) === at ? `[${JSON.stringify(t)}]` : JSON.stringify(t),
        )
        .join(" ");
    problems.push(
      `token #${at} differs (recorded ${want.length} tokens, received ${got.length}):\n` +
        `  recorded: ${show(want) || "(none)"}\n  received: ${show(got) || "(none)"}`,
    );
  }
  const kinds = (list: WorkerEvent[]) =>
    list
      .filter((e) => e.type !== "token")
      .map((e) => e.type)
      .join(", ");
  if (at === undefined && kinds(events) !== kinds(transcript.events))
    problems.push(`events differ: recorded ${kinds(transcript.events)}; received ${kinds(events)}`);
  const tol = options.numberTolerance ?? 0;
  const pairs = nonToken(transcript.events).map((e, k) => [e, nonToken(events)[k]] as const);
  for (const [a, b] of pairs) {
    if (!b || a.type !== b.type || problems.length > 2) continue;
    for (const [key, value] of Object.entries(a)) {
      if (IGNORED.has(key)) continue;
      const other = (b as unknown as Record<string, unknown>)[key];
      const same =
        typeof value === "number" && typeof other === "number"
          ? Math.abs(other - value) <= tol * Math.abs(value)
          : JSON.stringify(value) === JSON.stringify(other);
      if (!same)
        problems.push(
          `${a.type}.${key}: recorded ${JSON.stringify(value)}, received ${JSON.stringify(other)}`,
        );
    }
  }
  if (options.timingTolerance !== undefined && sentAt !== undefined) {
    const firstToken = (list: WorkerEvent[], times: (number | undefined)[]) =>
      times[list.findIndex((e) => e.type === "token")];
    const nowTimes = (events as (WorkerEvent & { receivedAt?: number })[]).map(
      (e) => (e.receivedAt ?? sentAt) - sentAt,
    );
    const checks: [string, number | undefined, number | undefined][] = [
      [
        "time to first token",
        firstToken(transcript.events, transcript.receivedAt),
        firstToken(events, nowTimes),
      ],
      ["total time", transcript.receivedAt.at(-1), nowTimes.at(-1)],
    ];
    for (const [what, a, b] of checks) {
      if (a === undefined || b === undefined) continue;
      if (Math.abs(b - a) > options.timingTolerance * Math.max(a, 1))
        problems.push(
          `${what}: recorded ${a.toFixed(1)} ms, received ${b.toFixed(1)} ms (tolerance ${percent(options.timingTolerance)})`,
        );
    }
  }
  if (options.strictContext && differences.length > 0)
    problems.push("the context differs and strictContext is set");
  const pass = problems.length === 0;
  const head = `transcript ${JSON.stringify(transcript.name)} (recorded ${transcript.recordedAt}${transcript.test ? ` by test ${JSON.stringify(transcript.test)}` : ""})`;
  return {
    pass,
    message: pass
      ? `${head}: the events match (${got.length} tokens)${where}`
      : `${head}: ${problems.join("\n")}${where}\nIf the change is expected, re-record it with -u (\`jest -u\`, \`vitest -u\`).`,
  };
}

function nonToken(list: WorkerEvent[]): WorkerEvent[] {
  return list.filter((e) => e.type !== "token");
}

function firstDifference(a: string[], b: string[]): number | undefined {
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return k;
  return undefined;
}
