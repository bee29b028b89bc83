import { LIMITS } from "./limits";
import type { ExecuteRequest } from "./request";
import type { FieldError } from "./validation-errors";

type Check = (value: unknown) => { constraint: string; message: string } | undefined;

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function range(min: number, max: number, integer: boolean): Check {
  const kind = integer ? "an integer" : "a number";
  return (v) => {
    if (!isNumber(v) || (integer && !Number.isInteger(v))) {
      return { constraint: "type", message: `must be ${kind} between ${min} and ${max}` };
    }
    if (v < min || v > max) {
      return { constraint: "range", message: `must be between ${min} and ${max}, got ${v}` };
    }
    return undefined;
  };
}

/** Limits a worker may tune with `--max-tokens-in` / `--max-tokens-out`. */
export interface TunableLimits {
  promptMaxChars: number;
  maxTokensMax: number;
}

const checks = (
  limits: TunableLimits,
): Record<Exclude<keyof ExecuteRequest, "job_id" | "prompt">, Check> => ({
  max_tokens: range(LIMITS.maxTokensMin, limits.maxTokensMax, true),
  temperature: range(LIMITS.temperatureMin, LIMITS.temperatureMax, false),
  top_p: range(LIMITS.topPMin, LIMITS.topPMax, false),
  top_k: (v) =>
    isNumber(v) && Number.isInteger(v) && v >= LIMITS.topKMin
      ? undefined
      : { constraint: "range", message: `must be an integer >= ${LIMITS.topKMin}` },
  repetition_penalty: range(LIMITS.repetitionPenaltyMin, LIMITS.repetitionPenaltyMax, false),
  min_p: range(LIMITS.minPMin, LIMITS.minPMax, false),
  stop: (v) => {
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
      return { constraint: "type", message: "must be an array of strings" };
    }
    if (v.length > LIMITS.stopMaxCount) {
      return {
        constraint: "max_count",
        message: `must have at most ${LIMITS.stopMaxCount} sequences, got ${v.length}`,
      };
    }
    if (v.some((s: string) => s.length === 0)) {
      return { constraint: "non_empty", message: "must not contain an empty sequence" };
    }
    const long = v.find((s: string) => Buffer.byteLength(s, "utf8") > LIMITS.stopMaxBytes);
    if (long !== undefined) {
      return {
        constraint: "max_bytes",
        message: `sequences must be at most ${LIMITS.stopMaxBytes} bytes each, got ${Buffer.byteLength(long, "utf8")}`,
      };
    }
    return undefined;
  },
  seed: seedProblem,
});

const U64 = `an unsigned 64-bit integer (0 to ${LIMITS.seedMax})`;

/**
 * The seed's problem, if any: a u64 as a safe integer, a `bigint`, or a
 * decimal string (the client writes the last two as exact JSON numbers).
 */
function seedProblem(v: unknown): { constraint: string; message: string } | undefined {
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "string" && /^\d{1,20}$/.test(v)) n = BigInt(v);
  else if (isNumber(v) && Number.isInteger(v)) {
    if (!Number.isSafeInteger(v) && v > 0) {
      return {
        constraint: "range",
        message: `must be ${U64}; ${v} is above 2^53 and has lost precision as a JavaScript number: pass a bigint (e.g. 18446744073709551615n) or a decimal string`,
      };
    }
    n = BigInt(v);
  } else return { constraint: "range", message: `must be ${U64}` };
  if (n < 0n || n > LIMITS.seedMax) return { constraint: "range", message: `must be ${U64}, got ${n}` };
  return undefined;
}

/** Counts Unicode scalar values (code points), the unit of the prompt limit. */
export function countScalars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Checks an `/execute` body against PROTOCOL.md and returns every failing
 * field (an empty list when the body is valid). Absent optional fields are valid.
 */
export function validateExecuteRequest(
  body: unknown,
  limits: TunableLimits = { promptMaxChars: LIMITS.promptMaxChars, maxTokensMax: LIMITS.maxTokensMax },
  /** Checking a parsed wire body: a seed must be a JSON number there, not the client's decimal-string form. */
  wire = false,
): FieldError[] {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return [{ field: "body", constraint: "type", message: "request body must be a JSON object" }];
  }
  const b = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  const fail = (field: string, constraint: string, message: string) =>
    errors.push({ field, constraint, message, value: b[field] });

  if (typeof b.job_id !== "string" || b.job_id.length === 0) {
    fail("job_id", "non_empty", "job_id is required and must be a non-empty string");
  }
  if (typeof b.prompt !== "string") {
    fail("prompt", "type", "prompt is required and must be a string");
  } else {
    const n = countScalars(b.prompt);
    if (n < LIMITS.promptMinChars) fail("prompt", "length", "prompt must not be empty");
    else if (n > limits.promptMaxChars)
      fail("prompt", "length", `prompt is at most ${limits.promptMaxChars} characters, got ${n}`);
  }
  if (wire && typeof b.seed === "string") fail("seed", "type", `seed must be a JSON number (${U64})`);
  for (const [field, check] of Object.entries(checks(limits))) {
    if (wire && field === "seed" && typeof b.seed === "string") continue;
    if (b[field] === undefined) continue;
    const problem = check(b[field]);
    if (problem) fail(field, problem.constraint, `${field} ${problem.message}`);
  }
  return errors;
}
