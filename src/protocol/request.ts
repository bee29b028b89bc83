/** Body of `POST /execute` (docs/protocol.md, "POST /execute"). */
export interface ExecuteRequest {
  /** Non-empty job identifier. */
  job_id: string;
  /** Prompt text, 1 to 32768 Unicode scalar values. */
  prompt: string;
  /** 1..2048; the specification defaults it to 2048, the last real builds require it. */
  max_tokens?: number;
  /** 0.0..2.0, default 1.0. */
  temperature?: number;
  /** 0.0..1.0, 1.0 = off. */
  top_p?: number;
  /** >= 0, 0 = off. */
  top_k?: number;
  /** 0.0..2.0, 1.0 = off. */
  repetition_penalty?: number;
  /** 0.0..1.0, 0.0 = off. */
  min_p?: number;
  /** At most 4 stop sequences, each non-empty, each at most 100 bytes. */
  stop?: string[];
  /**
   * u64 seed; random when absent (42 in the last real builds). Above 2^53 a
   * JavaScript number loses digits: pass a `bigint` or a decimal string, which
   * the client writes as an exact JSON number.
   */
  seed?: number | bigint | string;
}

/** Body of `POST /cancel`. */
export interface CancelRequest {
  job_id: string;
}

/** Marks a bigint's digits inside a JSON string, for {@link stringifyExact} to unquote. */
const BIG = "\u0000big:";

/**
 * `JSON.stringify` that writes every `bigint` as an exact JSON number
 * (`JSON.stringify` throws on a bigint, and a number above 2^53 has already
 * lost its last digits).
 */
export function stringifyExact(value: unknown, space?: number): string {
  const text = JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${BIG}${v}` : v), space);
  return text.replace(/"\\u0000big:(\d+)"/g, "$1");
}

/**
 * The request as JSON for the wire. A `bigint` or decimal-string `seed` is
 * written as an exact JSON number (`"seed":18446744073709551615`).
 */
export function serializeRequest(request: ExecuteRequest): string {
  const seed = (request as { seed?: unknown } | null)?.seed;
  const exact = typeof seed === "string" && /^\d{1,20}$/.test(seed);
  return stringifyExact(exact ? { ...request, seed: BigInt(seed) } : request);
}

/**
 * The digits of the top-level `seed` exactly as written in a JSON body, or
 * undefined (for a worker that must check a seed above 2^53, which
 * `JSON.parse` rounds). A `"seed"` inside a string value is escaped there, so
 * it does not match.
 */
export function rawSeedOf(json: string): string | undefined {
  return /(?<!\\)"seed"\s*:\s*(-?[\d.eE+-]+)/.exec(json)?.[1];
}
