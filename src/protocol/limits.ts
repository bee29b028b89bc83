/**
 * Validation limits of `POST /execute`, as docs/protocol.md states them.
 *
 * This table is the single source of truth: the client-side request builder,
 * the request validator and the mock worker all read it.
 */
export const LIMITS = {
  /** `prompt`: 1..32768 Unicode scalar values. */
  promptMinChars: 1,
  promptMaxChars: 32768,
  /** `max_tokens`: 1..2048, default 2048. */
  maxTokensMin: 1,
  maxTokensMax: 2048,
  maxTokensDefault: 2048,
  /** `temperature`: 0.0..2.0, default 1.0. */
  temperatureMin: 0,
  temperatureMax: 2,
  temperatureDefault: 1,
  /** `top_p`: 0.0..1.0, 1.0 = off. */
  topPMin: 0,
  topPMax: 1,
  topPDefault: 1,
  /** `top_k`: >= 0, 0 = off. */
  topKMin: 0,
  topKDefault: 0,
  /** `repetition_penalty`: 0.0..2.0, 1.0 = off. */
  repetitionPenaltyMin: 0,
  repetitionPenaltyMax: 2,
  repetitionPenaltyDefault: 1,
  /** `min_p`: 0.0..1.0, 0.0 = off. */
  minPMin: 0,
  minPMax: 1,
  minPDefault: 0,
  /** `stop`: at most 4 sequences, each non-empty and at most 100 UTF-8 bytes. */
  stopMaxCount: 4,
  stopMaxBytes: 100,
  /** Largest `seed` (u64). */
  seedMax: 18446744073709551615n,
} as const;

/** Default port range the worker accepts for `--port`. */
export const PORT_RANGE = { min: 1024, max: 65535 } as const;

/** Seed the last real builds use when a request carries none. */
export const COMPAT_DEFAULT_SEED = 42;
