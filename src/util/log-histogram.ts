/** Log-histogram buckets per factor e (about 5 % wide) from 1 µs up. */
const PER_E = 20;
const BUCKETS = PER_E * 24;
const MIN_MS = 0.001;

/** A histogram as it is stored in a report: `[bucket, count]` pairs of the non-empty buckets, and exact sum, min and max. */
export interface SparseHistogram {
  buckets: [number, number][];
  count: number;
  sum: number;
  min: number;
  max: number;
}

const bucketOf = (ms: number) =>
  ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(ms / MIN_MS) * PER_E) + 1);
/** The value a bucket stands for (its geometric middle). */
const bucketValue = (k: number) => (k === 0 ? 0 : MIN_MS * Math.exp((k - 0.5) / PER_E));

/**
 * Durations in milliseconds, in constant memory: quantiles within about 5 %,
 * count, sum, min and max exact. Histograms of many jobs merge (a run's
 * inter-token latency over all its tokens).
 */
export class LogHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  add(ms: number): void {
    this.counts[bucketOf(ms)]++;
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Adds every value of a stored histogram. */
  merge(h: SparseHistogram): void {
    for (const [k, n] of h.buckets) this.counts[k] += n;
    this.count += h.count;
    this.sum += h.sum;
    if (h.count > 0) {
      this.min = Math.min(this.min, h.min);
      this.max = Math.max(this.max, h.max);
    }
  }

  /** The `q` quantile (nearest rank), clamped to the exact min and max; undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const want = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let k = 0; k < BUCKETS; k++) {
      seen += this.counts[k];
      if (seen >= want) return Math.min(this.max, Math.max(this.min, bucketValue(k)));
    }
    return this.max;
  }

  /** At most `limit` values standing for the distribution (each bucket's value, in proportion), for resampling. */
  values(limit = 2000): number[] {
    const scale = this.count > limit ? limit / this.count : 1;
    const out: number[] = [];
    for (let k = 0; k < BUCKETS; k++) {
      const n = Math.round(this.counts[k] * scale);
      const v = Math.min(this.max, Math.max(this.min, bucketValue(k)));
      for (let i = 0; i < n; i++) out.push(v);
    }
    return out;
  }

  toJSON(): SparseHistogram {
    const buckets: [number, number][] = [];
    this.counts.forEach((n, k) => {
      if (n > 0) buckets.push([k, n]);
    });
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return {
      buckets,
      count: this.count,
      sum: r(this.sum),
      min: this.count ? r(this.min) : 0,
      max: r(this.max),
    };
  }

  static of(stored: SparseHistogram[]): LogHistogram {
    const h = new LogHistogram();
    for (const s of stored) h.merge(s);
    return h;
  }
}
