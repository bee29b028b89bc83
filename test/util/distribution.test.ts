import { describe, expect, it } from "@jest/globals";
import { distributionOf, medianChange } from "../../src/util/distribution";
import { LogHistogram } from "../../src/util/log-histogram";

// The statistics under the run report and the gate, on known inputs.

/** A seeded spread around `mid`: the same values each time. */
const around = (mid: number, n: number, spread = 0.1) =>
  Array.from({ length: n }, (_, k) => mid * (1 + spread * Math.sin(k * 12.9898)));

describe("distributions", () => {
  it("gives n, mean, min, max and nearest-rank p50/p90/p95/p99, skipping what is not a number", () => {
    const d = distributionOf([...Array.from({ length: 100 }, (_, k) => k + 1), undefined, Number.NaN]);
    expect(d).toEqual({ n: 100, mean: 50.5, min: 1, max: 100, p50: 50, p90: 90, p95: 95, p99: 99 });
    expect(distributionOf([undefined])).toBeUndefined();
  });

  it("a log histogram's quantiles are within 5 %, sum/min/max exact, and histograms merge", () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    for (let k = 1; k <= 500; k++) a.add(k / 10);
    for (let k = 501; k <= 1000; k++) b.add(k / 10);
    const merged = LogHistogram.of([a.toJSON(), b.toJSON()]);
    expect(merged.count).toBe(1000);
    expect(merged.min).toBe(0.1);
    expect(merged.max).toBe(100);
    expect(merged.sum).toBeCloseTo(50050, 0);
    expect(Math.abs(merged.quantile(0.5)! / 50 - 1)).toBeLessThan(0.05);
    expect(Math.abs(merged.quantile(0.99)! / 99 - 1)).toBeLessThan(0.05);
    expect(merged.values(100).length).toBeLessThanOrEqual(110);
  });
});

describe("the median's change with its bootstrap interval", () => {
  it("is deterministic, straddles 0 for samples of one distribution, and lies past 20 % for a 30 % shift", () => {
    const base = around(10, 40);
    const same = medianChange(base, around(10, 40, 0.12));
    expect(medianChange(base, around(10, 40, 0.12))).toEqual(same);
    expect(same.low).toBeLessThan(0);
    expect(same.high).toBeGreaterThan(0);
    const slow = medianChange(base, around(13, 40));
    expect(slow.change).toBeCloseTo(0.3, 1);
    expect(slow.low).toBeGreaterThan(0.2);
  });

  it("with a handful of wild samples the interval is wide (so the gate does not judge one outlier)", () => {
    const wide = medianChange([5, 5.2, 31, 4.8], [5.1, 30, 29, 5]);
    expect(wide.high - wide.low).toBeGreaterThan(1);
  });
});
