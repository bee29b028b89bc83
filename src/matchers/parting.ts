/** Tokens shown on each side of the one where two runs part. */
const AROUND = 4;

/**
 * The index of the first token where two runs' token texts differ (a run
 * that ends early parts where it ended), or -1 when they are the same.
 */
export function partingIndex(a: readonly string[], b: readonly string[]): number {
  const at = a.findIndex((t, i) => t !== b[i]);
  if (at >= 0) return at;
  return a.length !== b.length ? a.length : -1;
}

/** The tokens around index `at`, the one at `at` in brackets: `…" quick" [" brown"] " fox"…`. */
export function tokensAround(tokens: readonly string[], at: number): string {
  const from = Math.max(0, at - AROUND);
  const shown = tokens.slice(from, at + AROUND + 1).map((t, k) => {
    const text = JSON.stringify(t);
    return from + k === at ? `[${text}]` : text;
  });
  if (at >= tokens.length) shown.push("[(no token: the run ended here)]");
  return `${from > 0 ? "… " : ""}${shown.join(" ")}${at + AROUND + 1 < tokens.length ? " …" : ""}`;
}
