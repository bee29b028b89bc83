import { describe, expect, it } from "@jest/globals";
import { buildReport, totalsOf } from "../../src/report/build";
import type { FileRecord } from "../../src/report/types";
import { smallReport } from "../helpers/reports";

describe("the run report built from the files' records", () => {
  it("has the machine, no GPU without global setup's report, the statistics, and totals with warm-up left out", () => {
    const files = smallReport(5).files as FileRecord[];
    const report = buildReport(files, undefined, new Date("2026-12-07T00:00:00Z"), undefined, {
      warmupJobs: 0,
    });
    expect(report).toMatchObject({ schema: 1, date: "2026-12-07T00:00:00.000Z", gpu: null, model: null });
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.metrics?.jobs).toBe(12);
    expect(report.totals).toMatchObject({ files: 1, jobs: 12, tokens: 240 });
  });

  it("counts the workers a file started, not one kept, pooled or attached", () => {
    const worker = (kind: string, reused: boolean) => ({ kind, reused, role: "env", startupMs: 100 });
    const files = [
      { file: "a", jobs: [], workers: [worker("mock", false)] },
      { file: "b", jobs: [], workers: [worker("mock", true)] },
      { file: "c", jobs: [], workers: [worker("attached", false)] },
    ] as unknown as FileRecord[];
    expect(totalsOf(files).workersStarted).toBe(1);
    expect(totalsOf(files, 4).workersStarted).toBe(4); // the run's own count wins where there is one
  });
});
