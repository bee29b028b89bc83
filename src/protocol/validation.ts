import { LIMITS } from "./limits";
import type { FieldError } from "./validation-errors";

/** Limits a worker may tune with `--max-tokens-in` / `--max-tokens-out`. */
export interface TunableLimits {
  promptMaxChars: number;
  maxTokensMax: number;
}

/** How {@link validateExecuteRequest} judges and words a body. */
export interface ValidationFlavor {
  /** Checking a parsed wire body: a seed must be a JSON number there, not the client's decimal-string form. */
  wire?: boolean;
  /**
   * Word the errors as build 5d6c9a4a's `validate_all()` does
   * (bin/worker-orcd/src/http/validation.rs, moved to worker-http): `value`
   * is the Rust `to_string()` of the value (a string), omitted for the prompt
   * and for stop sequences; `job_id` echoes `""`; messages as the build words them.
   */
  build?: boolean;
}

type Problem = { constraint: string; message: string; value?: unknown; omitValue?: boolean };

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A float as Rust's `f32` Display prints it: the shortest text that reads back as the same f32, no exponent. */
export function rustF32(value: number): string {
  const f = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = Number(f.toPrecision(digits));
    if (Math.fround(text) === f) return String(text);
  }
  return String(f);
}

/** The `range(a..=b)` constraint text for float limits, as the build writes it (`range(0.0..=2.0)`). */
const floatRange = (min: number, max: number) => `range(${min.toFixed(1)}..=${max.toFixed(1)})`;

function floatField(name: string, min: number, max: number, build: boolean) {
  return (v: unknown): Problem | undefined => {
    const constraint = floatRange(min, max);
    if (!isNumber(v))
      return { constraint: "type", message: `${name} must be a number between ${min} and ${max}` };
    const shown = build ? rustF32(v) : String(v);
    const value = build ? rustF32(v) : v;
    if (v < min)
      return { constraint, message: `${name} must be at least ${min.toFixed(1)} (got ${shown})`, value };
    if (v > max)
      return { constraint, message: `${name} must be at most ${max.toFixed(1)} (got ${shown})`, value };
    return undefined;
  };
}

const U64 = `an unsigned 64-bit integer (0 to ${LIMITS.seedMax})`;

/**
 * The seed's problem, if any: a u64 as a safe integer, a `bigint`, or a
 * decimal string (the client writes the last two as exact JSON numbers).
 */
function seedProblem(v: unknown): Problem | undefined {
  const constraint = `range(0..=${LIMITS.seedMax})`;
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "string" && /^\d{1,20}$/.test(v)) n = BigInt(v);
  else if (isNumber(v) && Number.isInteger(v)) {
    if (!Number.isSafeInteger(v) && v > 0) {
      return {
        constraint,
        message: `seed must be ${U64}; ${v} is above 2^53 and has lost precision as a JavaScript number: pass a bigint (e.g. 18446744073709551615n) or a decimal string`,
      };
    }
    n = BigInt(v);
  } else return { constraint: "type", message: `seed must be ${U64}` };
  if (n < 0n || n > LIMITS.seedMax) return { constraint, message: `seed must be ${U64}, got ${n}` };
  return undefined;
}

/** Counts Unicode scalar values (code points), the unit of the prompt limit. */
export function countScalars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Checks an `/execute` body against docs/protocol.md and returns every failing
 * field, one error per problem (an empty list when the body is valid).
 * Absent optional fields are valid. Constraint names are the ones build
 * 5d6c9a4a uses (`non_empty`, `length(1..=32768)`, `range(1..=2048)`,
 * `range(0.0..=2.0)`, `max_count(4)`, `max_length(100)`, ...), `type` for a
 * value of the wrong type; the prompt is never echoed as `value`.
 */
export function validateExecuteRequest(
  body: unknown,
  limits: TunableLimits = { promptMaxChars: LIMITS.promptMaxChars, maxTokensMax: LIMITS.maxTokensMax },
  flavor: ValidationFlavor = {},
): FieldError[] {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return [{ field: "body", constraint: "type", message: "request body must be a JSON object" }];
  }
  const build = Boolean(flavor.build);
  const b = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  const push = (field: string, p: Problem | undefined) => {
    if (!p) return;
    const error: FieldError = { field, constraint: p.constraint, message: p.message };
    if (!p.omitValue) error.value = p.value !== undefined ? p.value : b[field];
    errors.push(error);
  };

  if (typeof b.job_id !== "string" || b.job_id.length === 0) {
    push("job_id", {
      constraint: "non_empty",
      message: build ? "job_id must not be empty" : "job_id is required and must be a non-empty string",
    });
  }
  const promptLength = `length(1..=${limits.promptMaxChars})`;
  if (typeof b.prompt !== "string") {
    push("prompt", {
      constraint: "type",
      message: "prompt is required and must be a string",
      omitValue: true,
    });
  } else {
    const n = countScalars(b.prompt);
    if (n < LIMITS.promptMinChars)
      push("prompt", { constraint: promptLength, message: "prompt must not be empty", omitValue: true });
    else if (n > limits.promptMaxChars)
      push("prompt", {
        constraint: promptLength,
        message: `prompt must be at most ${limits.promptMaxChars} characters (got ${n})`,
        omitValue: true,
      });
  }
  if (b.max_tokens !== undefined) {
    const v = b.max_tokens;
    const constraint = `range(${LIMITS.maxTokensMin}..=${limits.maxTokensMax})`;
    const value = build ? String(v) : v;
    if (!isNumber(v) || !Number.isInteger(v))
      push("max_tokens", {
        constraint: "type",
        message: `max_tokens must be an integer between ${LIMITS.maxTokensMin} and ${limits.maxTokensMax}`,
      });
    else if (v < LIMITS.maxTokensMin)
      push("max_tokens", {
        constraint,
        message: `max_tokens must be at least ${LIMITS.maxTokensMin}`,
        value,
      });
    else if (v > limits.maxTokensMax)
      push("max_tokens", {
        constraint,
        message: `max_tokens must be at most ${limits.maxTokensMax} (got ${v})`,
        value,
      });
  }
  const floats: [string, number, number][] = [
    ["temperature", LIMITS.temperatureMin, LIMITS.temperatureMax],
    ["top_p", LIMITS.topPMin, LIMITS.topPMax],
    ["repetition_penalty", LIMITS.repetitionPenaltyMin, LIMITS.repetitionPenaltyMax],
    ["min_p", LIMITS.minPMin, LIMITS.minPMax],
  ];
  for (const [field, min, max] of floats.slice(0, 2)) {
    if (b[field] !== undefined) push(field, floatField(field, min, max, build)(b[field]));
  }
  if (b.top_k !== undefined) {
    const v = b.top_k;
    if (!isNumber(v) || !Number.isInteger(v) || v < LIMITS.topKMin)
      push("top_k", {
        constraint: `range(${LIMITS.topKMin}..)`,
        message: `top_k must be an integer >= ${LIMITS.topKMin}`,
      });
  }
  const [rp] = floats.slice(2, 3);
  if (b[rp[0]] !== undefined) push(rp[0], floatField(rp[0], rp[1], rp[2], build)(b[rp[0]]));
  if (b.stop !== undefined) for (const p of stopProblems(b.stop, build)) push("stop", p);
  const [mp] = floats.slice(3);
  if (b[mp[0]] !== undefined) push(mp[0], floatField(mp[0], mp[1], mp[2], build)(b[mp[0]]));
  if (b.seed !== undefined) {
    if (flavor.wire && typeof b.seed === "string")
      push("seed", { constraint: "type", message: `seed must be a JSON number (${U64})` });
    else push("seed", seedProblem(b.seed));
  }
  return errors;
}

/** One problem per stop-sequence rule broken: too many, and each empty or too long one (bytes, as the build counts). */
function stopProblems(v: unknown, build: boolean): Problem[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string"))
    return [{ constraint: "type", message: "stop must be an array of strings" }];
  const problems: Problem[] = [];
  if (v.length > LIMITS.stopMaxCount) {
    problems.push({
      constraint: `max_count(${LIMITS.stopMaxCount})`,
      message: `stop must have at most ${LIMITS.stopMaxCount} sequences (got ${v.length})`,
      value: build ? String(v.length) : v.length,
    });
  }
  v.forEach((s: string, i) => {
    const bytes = Buffer.byteLength(s, "utf8");
    if (s.length === 0)
      problems.push({
        constraint: "non_empty",
        message: `stop sequence ${i} must not be empty`,
        omitValue: build,
        value: s,
      });
    else if (bytes > LIMITS.stopMaxBytes)
      problems.push({
        constraint: `max_length(${LIMITS.stopMaxBytes})`,
        message: `stop sequence ${i} must be at most ${LIMITS.stopMaxBytes} bytes (got ${bytes})`,
        omitValue: build,
        value: s,
      });
  });
  return problems;
}
