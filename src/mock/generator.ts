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

/** A deterministic generation: its tokens and where end-of-sequence falls. */
export interface Generation {
  /** The next token text. */
  next(): string;
  /** Number of tokens after which the model emits end-of-sequence (Infinity = never). */
  eosAfter: number;
  /** How the job ends at `eosAfter` (a script may say `max_tokens` or `error`). Default `eos`. */
  end?: NonNullable<MockScript["end"]>;
}

/** A generation that sends a script's tokens, then ends as the script says. */
export function scripted(script: MockScript): Generation {
  let k = 0;
  return { next: () => script.tokens[k++], eosAfter: script.tokens.length, end: script.end ?? "eos" };
}

/**
 * Starts a generation for `(prompt, seed)`. Unless `eosAfter` is given, the
 * end-of-sequence falls after 24..87 tokens, derived from prompt and seed.
 */
export function generate(prompt: string, seed: number | bigint | string, eosAfter?: number): Generation {
  const base = hash(`${prompt}\u0000${seed}`);
  const random = rng(base);
  return {
    next: () => VOCABULARY[Math.floor(random() * VOCABULARY.length)],
    eosAfter:
      eosAfter === undefined ? 24 + (base % 64) : eosAfter === 0 ? Number.POSITIVE_INFINITY : eosAfter,
  };
}
