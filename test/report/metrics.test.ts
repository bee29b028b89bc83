import { describe, expect, it } from "@jest/globals";
import { markJobs, metricsOf, sloMisses } from "../../src/report/metrics";
import type { JobRecord } from "../../src/report/types";

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
