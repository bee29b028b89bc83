import { EVENT_SOURCE, type EventSource } from "../client/received";
import type { WorkerClient } from "../client/worker-client";
import { terminalOf, tokensOf } from "../matchers/rules";
import type { ReceivedEvent } from "../protocol/events";

/** What one build answered to one probe: what is compared, and the timing it gave. */
export interface ProbeOutcome {
  /** The token texts, in order. */
  tokens: string[];
  /** The terminal event, in short: `end max_tokens`, `error CANCELLED`, or what ended the call. */
  ending: string;
  /** The HTTP status of a rejected request. */
  status?: number;
  /** The fields a rejection named. */
  fields?: string[];
  /** Time to first token and per output token after it, ms (token probes only). */
  ttftMs?: number;
  tpotMs?: number;
}

/** One probe: the same request, or the same short exchange, sent to both builds. */
export interface Probe {
  id: string;
  title: string;
  /** Runs this many times on each build (token probes give timing samples); what is compared is the first run. */
  runs: number;
  run(client: WorkerClient, jobId: string): Promise<ProbeOutcome>;
}

const PROMPT = "Write a long story about a lighthouse keeper.";

/** The outcome of a stream's events: tokens, the terminal event, TTFT and TPOT from the client's receive times. */
export function outcomeOf(events: ReceivedEvent[]): ProbeOutcome {
  const tokens = tokensOf(events).map((e) => String(e.t ?? ""));
  const end = terminalOf(events) as Record<string, unknown> | undefined;
  const ending = !end
    ? `no terminal event (${events.length} event(s))`
    : end.type === "end"
      ? `end ${String(end.stop_reason)}`
      : `error ${String(end.code)}`;
  const sent = (events as unknown as { [EVENT_SOURCE]?: EventSource })[EVENT_SOURCE]?.requestedAt;
  const stamped = events.filter((e) => e.type === "token");
  const first = stamped[0]?.receivedAt;
  const last = stamped.at(-1)?.receivedAt;
  const ttftMs = first !== undefined && sent !== undefined ? first - sent : undefined;
  const tpotMs =
    first !== undefined && last !== undefined && stamped.length > 1
      ? (last - first) / (stamped.length - 1)
      : undefined;
  return {
    tokens,
    ending,
    ...(ttftMs !== undefined ? { ttftMs } : {}),
    ...(tpotMs !== undefined ? { tpotMs } : {}),
  };
}

const tokenProbe = (id: string, title: string, request: Record<string, unknown>): Probe => ({
  id,
  title,
  runs: 3,
  async run(client, jobId) {
    return outcomeOf(await client.execute({ job_id: jobId, prompt: PROMPT, ...request } as never));
  },
});

/** A rejected request: its status and the fields it names (either error form). */
const rejection = (id: string, title: string, body: Record<string, unknown>): Probe => ({
  id,
  title,
  runs: 1,
  async run(client) {
    const res = await client.executeRaw(body);
    const errors = (res.json as { errors?: { field?: unknown }[] } | undefined)?.errors;
    const fields = Array.isArray(errors) ? errors.map((e) => String(e.field)).sort() : [];
    return { tokens: [], ending: `HTTP ${res.status}`, status: res.status, fields };
  },
});

/** The probe set, in the order it runs: sampled and greedy output, stop sequences, UTF-8, a long output, cancel, the error forms. */
export const PROBES: Probe[] = [
  tokenProbe("seeded", "seed 1234 at temperature 0.8, 24 tokens", {
    max_tokens: 24,
    temperature: 0.8,
    seed: 1234,
  }),
  tokenProbe("greedy", "temperature 0, 16 tokens", { max_tokens: 16, temperature: 0, seed: 42 }),
  tokenProbe("stop-sequence", 'stop sequences " the" and ".", 48 tokens', {
    max_tokens: 48,
    temperature: 0,
    seed: 42,
    stop: [" the", "."],
  }),
  tokenProbe("utf8", "a prompt of multi-byte characters (UTF-8 across tokens), 32 tokens", {
    prompt: "Übersetze ins Japanische: «Grüße» — 日本語で書いてください 🎉",
    max_tokens: 32,
    temperature: 0,
    seed: 7,
  }),
  tokenProbe("long", "a long output, 200 tokens", { max_tokens: 200, temperature: 0, seed: 42 }),
  {
    id: "cancel",
    title: "a 500-token job cancelled after its first token",
    runs: 1,
    async run(client, jobId) {
      const events: ReceivedEvent[] = [];
      let asked = false;
      try {
        for await (const e of client.stream({ job_id: jobId, prompt: PROMPT, max_tokens: 500, seed: 42 })) {
          events.push(e);
          if (e.type === "token" && !asked) {
            asked = true;
            await client.cancel(jobId, { timeoutMs: 2_000 }).catch(() => undefined);
          }
        }
      } catch (error) {
        return { tokens: [], ending: `the stream failed: ${(error as Error).message.slice(0, 80)}` };
      }
      // The tokens before the cancel took effect depend on timing: only how the job ended is compared.
      const { ending } = outcomeOf(events);
      return { tokens: [], ending };
    },
  },
  rejection("invalid-fields", "an invalid request (empty job_id and prompt, max_tokens 0, temperature 9)", {
    job_id: "",
    prompt: "",
    max_tokens: 0,
    temperature: 9,
  }),
  rejection("missing-field", "a request without job_id", { prompt: "hello", max_tokens: 4 }),
];
