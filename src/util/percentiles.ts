/** Median and 95th percentile (nearest rank) of the defined values; both undefined when there are none. */
export function percentiles(values: readonly (number | undefined)[]): { p50?: number; p95?: number } {
  const v = values
    .filter((x): x is number => typeof x === "number" && !Number.isNaN(x))
    .sort((a, b) => a - b);
  if (v.length === 0) return {};
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
  return { p50: at(0.5), p95: at(0.95) };
}
