/** Edit distance between two strings (insertions, deletions, substitutions and swaps of neighbours), case-insensitive. */
export function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name closest to `name` when it is a near miss (a typo, a
 * different case or separator, a missing or extra word part), else undefined.
 */
export function nearest(name: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, "");
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    if (candidate === name) continue;
    const score = norm(candidate) === norm(name) ? 0 : distance(name, candidate);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const longer = Math.max(name.length, best?.length ?? 0);
  const prefix = best !== undefined && (best.startsWith(name) || name.startsWith(best)) && name.length >= 4;
  return best !== undefined && (bestScore <= Math.max(2, Math.floor(longer / 3)) || prefix)
    ? best
    : undefined;
}

/** `; did you mean "x"?` for a near miss, else "". */
export function didYouMean(
  name: string,
  known: readonly string[],
  quote = (s: string) => `\`${s}\``,
): string {
  const match = nearest(name, known);
  return match ? ` (did you mean ${quote(match)}?)` : "";
}
