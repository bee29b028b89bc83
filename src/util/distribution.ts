import { seededRandom } from "./random";

/** A distribution as the serving benchmarks print it: sample count, mean, min, max and percentiles. */
export interface Distribution {
  n: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** The distribution of the defined values (nearest-rank percentiles); undefined when there are none. */
export function distributionOf(values: readonly (number | undefined)[]): Distribution | undefined {
  const v = values
    .filter((x): x is number => typeof x === "number" && Number.isFinite(x))
    .sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: v.length,
    mean: r(v.reduce((s, x) => s + x, 0) / v.length),
    min: r(v[0]),
    max: r(v[v.length - 1]),
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p95: r(at(0.95)),
    p99: r(at(0.99)),
  };
}

/** The median of `v` (sorted or not); NaN when empty. */
export function median(v: readonly number[]): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** How the median moved from `before` to `after`: the ratio after/before − 1, with a bootstrap 95 % interval. */
export interface MedianChange {
  before: number;
  after: number;
  change: number;
  low: number;
  high: number;
}

/**
 * The relative change of the median from `before` to `after`, with a
 * percentile-bootstrap 95 % confidence interval (both samples resampled,
 * `rounds` times, seeded): the noise the two samples themselves show.
 */
export function medianChange(
  before: readonly number[],
  after: readonly number[],
  rounds = 1000,
): MedianChange {
  const m0 = median(before);
  const m1 = median(after);
  const rnd = seededRandom(0x5eed ^ before.length ^ (after.length << 16));
  const pick = (v: readonly number[]) => {
    const s = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) s[i] = v[Math.floor(rnd() * v.length)];
    return median(s);
  };
  const changes: number[] = [];
  for (let k = 0; k < rounds; k++) {
    const b = pick(before);
    if (b > 0) changes.push(pick(after) / b - 1);
  }
  changes.sort((a, b) => a - b);
  const q = (p: number) =>
    changes[Math.min(changes.length - 1, Math.max(0, Math.floor(p * changes.length)))] ?? 0;
  return { before: m0, after: m1, change: m0 > 0 ? m1 / m0 - 1 : 0, low: q(0.025), high: q(0.975) };
}
