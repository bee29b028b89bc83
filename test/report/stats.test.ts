import { describe, expect, it } from "@jest/globals";
import { totalsOf } from "../../src/report/build";
import { markJobs, metricsOf, sloMisses } from "../../src/report/metrics";
import { formatSummary } from "../../src/report/table";
import type { JobRecord, RunReport } from "../../src/report/types";
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

describe("warm-up, SLO and goodput", () => {
  const job = (worker: string, startedAt: number, ttftMs: number, tokens = 11, totalMs = 110): JobRecord => ({
    jobId: `${worker}-${startedAt}`,
    worker,
    promptChars: 2,
    outcome: "max_tokens",
    tokens,
    startedAt,
    ttftMs,
    tpotMs: (totalMs - ttftMs) / (tokens - 1),
    totalMs,
    streamed: true,
    arrivals: [],
  });

  it("marks the first job(s) of each worker, counts starts from the run's start, and judges each job", () => {
    const jobs = [job("a", 1000, 10), job("a", 1200, 12), job("b", 1100, 900), job("b", 1300, 600)];
    markJobs(jobs, { slo: { ttftMs: 500 }, runStart: 900 });
    expect(jobs.map((j) => [j.warmup ?? false, j.startMs])).toEqual([
      [true, 100],
      [false, 300],
      [true, 200],
      [false, 400],
    ]);
    expect(jobs[3].sloMissed).toEqual(["TTFT 600 ms > 500 ms"]);
    const m = metricsOf(jobs);
    expect(m).toMatchObject({ jobs: 2, warmupJobs: 2, goodput: { met: 1, of: 2, share: 0.5 } });
    // Busy time is the union of the counted jobs' spans: [1200, 1310] and [1300, 1410].
    expect(m.busyMs).toBe(210);
    markJobs(jobs, { warmupJobs: 0 });
    expect(metricsOf(jobs).jobs).toBe(4);
  });

  it("names each bound missed; no first token misses TTFT; one token meets any TPOT", () => {
    expect(sloMisses({ ttftMs: 20, tpotMs: 9, e2eMs: 300 }, { ttftMs: 10, tpotMs: 5, e2eMs: 200 })).toEqual([
      "TTFT 20 ms > 10 ms",
      "TPOT 9 ms > 5 ms",
      "e2e 300 ms > 200 ms",
    ]);
    expect(sloMisses({ e2eMs: 5 }, { ttftMs: 10 })).toEqual(["TTFT (no token)"]);
    expect(sloMisses({ ttftMs: 5, e2eMs: 5 }, { tpotMs: 1 })).toEqual([]);
  });
});

describe("the table's note on streams that arrived at once", () => {
  const report = (jobs: Array<{ warmup: boolean; streamed: boolean }>) =>
    ({
      gpu: null,
      files: [
        {
          file: "a.test.ts",
          workers: [],
          jobs: jobs.map((j, k) => ({ jobId: `j${k}`, tokens: 5, ttftMs: 1, arrivals: [], ...j })),
        },
      ],
      totals: { files: 1, workersStarted: 1, jobs: jobs.length, tokens: 5 * jobs.length },
    }) as unknown as RunReport;

  it("leaves warm-up jobs out, as every figure does, and names a file whose counted jobs arrived at once", () => {
    expect(formatSummary(report([{ warmup: true, streamed: false }]))).not.toMatch(/not streamed/);
    expect(
      formatSummary(
        report([
          { warmup: true, streamed: false },
          { warmup: false, streamed: true },
        ]),
      ),
    ).not.toMatch(/not streamed/);
    expect(
      formatSummary(
        report([
          { warmup: true, streamed: true },
          { warmup: false, streamed: false },
        ]),
      ),
    ).toMatch(
      /not streamed \(every token arrived at once, so TTFT is the whole job's time\): a\.test\.ts \(1 of 1 job\(s\)\)/,
    );
  });
});

describe("one definition of each figure", () => {
  it("the table's TTFT and tok/s, rows and total, leave warm-up jobs out as the statistics do", () => {
    const jobs = [
      { jobId: "w", warmup: true, tokens: 5, ttftMs: 500, tokensPerSec: 1, streamed: true, arrivals: [] },
      { jobId: "a", tokens: 5, ttftMs: 5, tokensPerSec: 100, streamed: true, arrivals: [] },
      { jobId: "b", tokens: 5, ttftMs: 7, tokensPerSec: 90, streamed: true, arrivals: [] },
    ] as unknown as JobRecord[];
    const files = [{ file: "a.test.ts", workers: [], jobs }];
    const totals = totalsOf(files as unknown as RunReport["files"], 1);
    expect(totals).toMatchObject({ jobs: 3, tokens: 15, ttftP50: 5, ttftP95: 7, tokensPerSecP50: 90 });
    const table = formatSummary({ gpu: null, files, totals } as unknown as RunReport);
    expect(table).toMatch(/TTFT and tok\/s leave warm-up jobs out/);
    expect(table).toMatch(/a\.test\.ts +none +- +3 +15 +5\.0 ms +7\.0 ms +90\.0/);
    expect(table).not.toMatch(/500/);
  });
});
