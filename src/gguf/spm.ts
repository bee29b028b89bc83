/**
 * A small SentencePiece vocabulary (llama.cpp's "llama" tokenizer model) and
 * the tokenizer llama.cpp runs over it, so that the package knows in advance
 * which tokens a text becomes: special tokens, the 256 byte-fallback pieces
 * `<0x00>`..`<0xFF>`, the printable ASCII characters and `▁`, and word pieces
 * with and without `▁` together with every prefix their merges pass through.
 * Characters outside the vocabulary (emoji, CJK, accents) become byte tokens.
 */

/** SentencePiece's word-boundary mark, which stands for a space. */
export const SPACE = "\u2581";

/** llama.cpp token types (`tokenizer.ggml.token_type`). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** A vocabulary, in the arrays a GGUF file stores, and its lookups. */
export interface SpmVocab {
  pieces: string[];
  scores: number[];
  types: number[];
  unk: number;
  bos: number;
  eos: number;
  /** The id of a piece, or undefined. */
  id(piece: string): number | undefined;
  /** The id of the byte-fallback piece of a byte. */
  byte(b: number): number;
}

const BYTE_BASE = 3;

/** Builds a vocabulary whose pieces cover `words` (split from a text on whitespace). */
export function buildVocab(words: Iterable<string>): SpmVocab {
  const pieces = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let b = 0; b < 256; b++) {
    pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_TYPE.byte);
  }
  const index = new Map(pieces.map((p, k) => [p, k]));
  const add = (piece: string) => {
    if (index.has(piece)) return;
    index.set(piece, pieces.length);
    pieces.push(piece);
    types.push(TOKEN_TYPE.normal);
  };
  add(SPACE);
  for (let c = 0x21; c < 0x7f; c++) add(String.fromCharCode(c));
  for (const word of words) {
    // The leading run of one-byte characters becomes pieces; what follows is left to byte fallback.
    const run = /^[\x21-\x7e]*/.exec(word)?.[0] ?? "";
    for (const base of [run, SPACE + run]) for (let n = 2; n <= base.length; n++) add(base.slice(0, n));
  }
  // Longer pieces score higher, so merges run to whole words; byte and special pieces score lowest.
  const scores = pieces.map((p, k) => (types[k] === TOKEN_TYPE.normal ? [...p].length - k * 1e-6 : -1000));
  return {
    pieces,
    scores,
    types,
    unk: 0,
    bos: 1,
    eos: 2,
    id: (piece) => index.get(piece),
    byte: (b) => BYTE_BASE + b,
  };
}

interface SymbolSlot {
  text: string;
  prev: number;
  next: number;
}

/**
 * Tokenizes as llama.cpp's SentencePiece tokenizer does: spaces become `▁`
 * (with one in front when `spacePrefix`), adjacent symbols merge best score
 * first (the leftmost on ties) while their join is a piece, and a symbol that
 * is not a piece becomes its UTF-8 bytes. No BOS is added.
 */
export function tokenize(vocab: SpmVocab, text: string, spacePrefix: boolean): number[] {
  const normal = (spacePrefix ? ` ${text}` : text).replace(/ /g, SPACE);
  const symbols: SymbolSlot[] = [...normal].map((ch, k, all) => ({
    text: ch,
    prev: k - 1,
    next: k + 1 < all.length ? k + 1 : -1,
  }));
  type Bigram = { left: number; right: number; score: number; text: string };
  const queue: Bigram[] = [];
  const tryAdd = (left: number, right: number) => {
    if (left < 0 || right < 0) return;
    const joined = symbols[left].text + symbols[right].text;
    const id = vocab.id(joined);
    if (id !== undefined) queue.push({ left, right, score: vocab.scores[id], text: joined });
  };
  for (let k = 1; k < symbols.length; k++) tryAdd(k - 1, k);
  while (queue.length > 0) {
    let best = 0;
    for (let k = 1; k < queue.length; k++) {
      const q = queue[k];
      const b = queue[best];
      if (q.score > b.score || (q.score === b.score && q.left < b.left)) best = k;
    }
    const { left, right, text: joined } = queue.splice(best, 1)[0];
    const l = symbols[left];
    const r = symbols[right];
    // A bigram made stale by an earlier merge.
    if (l.text === "" || r.text === "" || l.text + r.text !== joined) continue;
    l.text = joined;
    r.text = "";
    l.next = r.next;
    if (r.next >= 0) symbols[r.next].prev = left;
    tryAdd(l.prev, left);
    tryAdd(left, l.next);
  }
  const ids: number[] = [];
  for (let k = symbols.length > 0 ? 0 : -1; k !== -1; k = symbols[k].next) {
    const id = vocab.id(symbols[k].text);
    if (id !== undefined) ids.push(id);
    else for (const b of Buffer.from(symbols[k].text, "utf8")) ids.push(vocab.byte(b));
  }
  return ids;
}

/** The text of token ids as llama.cpp detokenizes them (`▁` as a space, byte pieces as their bytes). */
export function detokenize(vocab: SpmVocab, ids: readonly number[]): string {
  const bytes: number[] = [];
  for (const id of ids) {
    if (vocab.types[id] === TOKEN_TYPE.byte) bytes.push(id - BYTE_BASE);
    else if (vocab.types[id] === TOKEN_TYPE.normal)
      bytes.push(...Buffer.from(vocab.pieces[id].replace(/\u2581/g, " ")));
  }
  return Buffer.from(bytes).toString("utf8");
}
