import type { Config } from "@jest/types";
import { type ReporterOptions, RunReporter } from "../runner/run-report";

export type { ReporterOptions };

/**
 * The run report as a Jest reporter (`["worker-orcd-jest/reporter", { ... }]`):
 * {@link RunReporter} driven by Jest's hooks. Pass and fail stay Jest's; a
 * regression past the tolerances fails the run as a reporter error.
 */
export default class WorkerOrcdReporter {
  private readonly report: RunReporter;

  constructor(
    private readonly globalConfig: Config.GlobalConfig,
    options?: unknown,
  ) {
    this.report = new RunReporter(
      {
        rootDir: globalConfig.rootDir,
        silent: globalConfig.silent === true,
        optionHint: (option) => `set the reporter option ${option}`,
      },
      options,
    );
  }

  onRunStart(results: { numTotalTestSuites: number }, options: { showStatus?: boolean }): Promise<void> {
    return this.report.runStarting(
      results.numTotalTestSuites,
      options.showStatus === false,
      this.globalConfig.maxWorkers,
    );
  }

  onTestFileResult(): Promise<void> {
    return this.report.fileDone();
  }

  onRunComplete(): Promise<void> {
    return this.report.runDone();
  }

  /** Jest fails the run with this (a regression, or an unreadable baseline). */
  getLastError(): Error | undefined {
    return this.report.lastError();
  }
}
