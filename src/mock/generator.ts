import { seededRandom } from "../util/random";
import type { MockScript } from "./script";

/**
 * Deterministic token source: the same (prompt, seed) always gives the same
 * tokens. The vocabulary has multi-byte UTF-8 tokens (accents, CJK, emoji)
 * and punctuation, so stop sequences such as "." or "\n" are reached.
 */
const VOCABULARY = [
  " the",
  " a",
  " model",
  " token",
  " GPU",
  " worker",
  " stream",
  " is",
  " fast",
  " and",
  " of",
  " to",
  " in",
  " café",
  " naïve",
  " 日本語",
  " 🚀",
  " Ω",
  " über",
  " résumé",
  ",",
  ".",
  "\n",
  " hello",
  " world",
  " Qwen",
  " inference",
  " ready",
  " 你好",
  " ✓",
];

/** FNV-1a over UTF-16 units: a stable 32-bit hash of a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const rng = seededRandom;

/**
 * One job's token source: the mock's own tokens, a script's, or a model's
 * (`llama/engine.ts`). The job's protocol layer (stop sequences, `max_tokens`,
 * pace, faults, cancellation) is the same for every source.
 */
export interface Generation {
  /** The next token text (whole UTF-8 characters), or undefined once the source has ended. */
  next(): string | undefined | Promise<string | undefined>;
  /** How the job ends when `next` gives undefined: `eos` (default), `max_tokens`, or a script's `error`. */
  readonly end?: NonNullable<MockScript["end"]>;
  /** Stops the source early (cancel, disconnect, limit); frees what it holds. */
  close?(): void | Promise<void>;
}

/** A generation that sends a script's tokens, then ends as the script says. */
export function scripted(script: MockScript): Generation {
  let k = 0;
  return { next: () => script.tokens[k++], end: script.end ?? "eos" };
}

/**
 * Starts a generation for `(prompt, seed)`. Unless `eosAfter` is given, the
 * end-of-sequence falls after 24..87 tokens, derived from prompt and seed;
 * `eosAfter` 0 means never.
 */
export function generate(prompt: string, seed: number | bigint | string, eosAfter?: number): Generation {
  const base = hash(`${prompt}\u0000${seed}`);
  const random = rng(base);
  const last =
    eosAfter === undefined ? 24 + (base % 64) : eosAfter === 0 ? Number.POSITIVE_INFINITY : eosAfter;
  let sent = 0;
  return {
    next: () => (sent++ < last ? VOCABULARY[Math.floor(random() * VOCABULARY.length)] : undefined),
  };
}
