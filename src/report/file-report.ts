import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { JobLedger } from "../client/job-ledger";
import type { JobRecord } from "../client/job-stats";
import type { FileRecord, WorkerRecord } from "./types";

/** Folder of the run (beside the state file) where test files leave their records. */
export function recordsDir(statePath: string): string {
  return join(dirname(statePath), "report");
}

let written = 0;

/**
 * The run report's collector for one test file: every call of the file's
 * clients (its global `worker` and harnesses share `jobs`) is recorded, and
 * {@link FileReport.finish} leaves the file's record in the run's folder for
 * the reporter. Without global setup (no run folder) nothing is collected.
 */
export class FileReport {
  private readonly jobs: JobRecord[] = [];

  private constructor(
    private readonly file: string,
    private readonly dir: string,
  ) {}

  /** Starts collecting `jobs`' calls for `file`; undefined when the run has no folder (no global setup). */
  static start(ledger: JobLedger, file: string, statePath: string | undefined): FileReport | undefined {
    if (!statePath) return undefined;
    const report = new FileReport(file, recordsDir(statePath));
    ledger.onJob = (record) => {
      // A plain copy: the record may come from the test file's realm.
      report.jobs.push(JSON.parse(JSON.stringify(record)));
    };
    return report;
  }

  /** Writes the file's record with the workers it used. Never throws (the report is informative). */
  finish(workers: WorkerRecord[]): void {
    const record: FileRecord = { file: this.file, workers, jobs: this.jobs };
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(join(this.dir, `${process.pid}-${++written}.json`), JSON.stringify(record));
    } catch {
      // a missing report must not fail the tests
    }
  }
}
