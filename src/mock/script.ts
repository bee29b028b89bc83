import { ERROR_CODES, type ErrorCode } from "../protocol/events";

/**
 * What the mock worker generates for a job instead of its own deterministic
 * tokens: the exact token texts (any Unicode, long tokens, `}` or `\n`
 * included) and how the job ends once they are sent. Given per worker
 * (`--script`, `WORKER_ORCD_MOCK_SCRIPT`, `MockHarnessOptions.script`) or per
 * request (the {@link MOCK_SCRIPT_HEADER} header, see {@link mockScript}).
 *
 * `max_tokens` and stop sequences still apply: a script longer than
 * `max_tokens` ends with `max_tokens`, and a stop sequence found in the
 * scripted text ends with `stop_sequence` (in spec mode).
 */
export interface MockScript {
  /** Token texts, in order; `[]` ends the job before its first token. */
  tokens: string[];
  /** How the job ends after the last token. Default `"eos"`. */
  end?: "eos" | "max_tokens" | "error";
  /** With `end: "error"`: the error event's code (default `INFERENCE_FAILED`), message and `retriable`. */
  error?: { code?: ErrorCode; message?: string; retriable?: boolean };
}

/** Request header that carries a per-request {@link MockScript} as JSON (read by the mock only; real workers ignore it). */
export const MOCK_SCRIPT_HEADER = "x-worker-orcd-mock-script";

/**
 * Headers that make the mock answer one request with `script`:
 * `worker.execute(req, { headers: mockScript({ tokens: ["{", "}"], end: "eos" }) })`.
 */
export function mockScript(script: MockScript): Record<string, string> {
  const problem = scriptProblem(script);
  if (problem) throw new TypeError(`mockScript: ${problem}`);
  // Header values are Latin-1: escape everything else so any token survives.
  const json = JSON.stringify(script).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return { [MOCK_SCRIPT_HEADER]: json };
}

/** Parses a script from JSON text; throws a `TypeError` naming `where` and the problem. */
export function parseScript(text: string, where: string): MockScript {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(
      `${where}: not JSON (${(error as Error).message}); expected {"tokens":["..."],"end":"eos"}`,
    );
  }
  const problem = scriptProblem(value);
  if (problem) throw new TypeError(`${where}: ${problem}`);
  return value as MockScript;
}

function scriptProblem(value: unknown): string | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value))
    return 'a script is an object such as {"tokens":["Hello"," world"],"end":"eos"}';
  const s = value as Record<string, unknown>;
  const unknown = Object.keys(s).filter((k) => !["tokens", "end", "error"].includes(k));
  if (unknown.length > 0) return `unknown field(s) ${unknown.join(", ")}; known: tokens, end, error`;
  if (!Array.isArray(s.tokens) || s.tokens.some((t) => typeof t !== "string"))
    return "tokens must be an array of strings";
  if (s.end !== undefined && !["eos", "max_tokens", "error"].includes(s.end as string))
    return `end must be "eos", "max_tokens" or "error", got ${JSON.stringify(s.end)}`;
  const code = (s.error as { code?: unknown } | undefined)?.code;
  if (code !== undefined && !ERROR_CODES.includes(code as ErrorCode))
    return `error.code must be one of ${ERROR_CODES.join(", ")}, got ${JSON.stringify(code)}`;
  return undefined;
}
