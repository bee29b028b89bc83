/**
 * GPT-2 byte-level BPE form, as the GGUF BPE tokenizer of build 5d6c9a4a
 * stores its pieces and as that build sends them: every UTF-8 byte of the
 * text becomes one printable character (a space is `Ġ`, a newline `Ċ`, the
 * bytes of `你` three Latin-1-range characters). The build's decoder turns
 * only a piece that is exactly `Ġ` back into a space; everything else goes
 * out as it is stored.
 */
const BYTE_TO_CHAR: string[] = (() => {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) table.push(String.fromCodePoint(printable(b) ? b : next++));
  return table;
})();

/** A token's text as build 5d6c9a4a sends it: byte-level BPE form, a bare `Ġ` decoded to a space. */
export function asBuildToken(text: string): string {
  const form = [...Buffer.from(text, "utf8")].map((b) => BYTE_TO_CHAR[b]).join("");
  return form === "Ġ" ? " " : form;
}

const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** True when a token text looks like byte-level BPE pieces (`Ġ` for a space, `Ċ` for a newline). */
export function looksByteLevel(text: string): boolean {
  return /[\u0100-\u0143]/.test(text) && [...text].every((c) => CHAR_TO_BYTE.has(c) || c === " ");
}

/** Decodes byte-level BPE pieces back to text (what a full decoder would give). */
export function decodeByteLevel(text: string): string {
  const bytes = [...text].map((c) => (c === " " ? 0x20 : (CHAR_TO_BYTE.get(c) ?? 0x3f)));
  return Buffer.from(bytes).toString("utf8");
}
