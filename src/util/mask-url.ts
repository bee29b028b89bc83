/** One word of a text: its authority's user and password (all before its last "@") become `***`. */
function maskWord(word: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(word)?.[0] ?? (word.startsWith("//") ? "//" : "");
  const rest = word.slice(scheme.length);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf("@");
  if (at < 0) return word;
  return `${scheme}***${rest.slice(at)}`;
}

/**
 * A URL, or any text that may hold URLs, with every user and password
 * replaced by `***`, whatever its shape: with or without a scheme
 * (`alice:pw@host:1`), a password holding `@`, several in one text (split
 * at white space, commas and quotes), or one that does not parse.
 */
export function maskUrl(text: string): string {
  return text.replace(/[^\s,"'`<>()]+/g, maskWord);
}
