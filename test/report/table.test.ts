import { describe, expect, it } from "@jest/globals";
import { totalsOf } from "../../src/report/build";
import { formatSummary } from "../../src/report/table";
import type { JobRecord, RunReport } from "../../src/report/types";

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
