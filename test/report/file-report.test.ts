import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { JobLedger } from "../../src/client/job-ledger";
import type { JobRecord } from "../../src/client/job-stats";
import { readFileRecords } from "../../src/report/build";
import { FileReport, recordsDir } from "../../src/report/file-report";

const dir = mkdtempSync(join(tmpdir(), "wojest-file-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a test file's record for the run report", () => {
  it("collects every call of the file's ledger and leaves one record the reporter reads back", () => {
    const state = join(dir, "state.json");
    const ledger = new JobLedger();
    const report = FileReport.start(ledger, "pkg/a.test.ts", state)!;
    const job = { jobId: "j1", tokens: 3, ttftMs: 5, arrivals: [] } as unknown as JobRecord;
    ledger.onJob?.(job);
    report.finish([]);
    expect(readFileRecords(recordsDir(state))).toEqual([{ file: "pkg/a.test.ts", workers: [], jobs: [job] }]);
  });

  it("collects nothing without a run folder (no global setup)", () => {
    expect(FileReport.start(new JobLedger(), "a.test.ts", undefined)).toBeUndefined();
  });
});
