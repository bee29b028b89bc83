import { RunReporter } from "../runner/run-report";

/** What the reporter reads of Vitest when it starts (`onInit`). */
interface VitestContext {
  config: { root: string; silent?: unknown; maxWorkers?: unknown; fileParallelism?: unknown };
}

/**
 * The run report as a Vitest reporter: the same table, JSON, HTML, SLOs,
 * baseline gate and machine's pace as under Jest
 * (`reporters: ["default", workerOrcdReporter({ outputDir: "reports" })]`).
 * A regression, an unreadable baseline or a bad option fails the run (exit
 * 1); a gate that cannot judge sets exit code 2 unless the run fails anyway.
 */
export class WorkerOrcdVitestReporter {
  private report?: RunReporter;
  private maxWorkers = 1;
  private inBand = false;

  constructor(private readonly options?: unknown) {}

  onInit(vitest: VitestContext): void {
    const { config } = vitest;
    this.maxWorkers = typeof config.maxWorkers === "number" ? config.maxWorkers : 1;
    this.inBand = config.fileParallelism === false || this.maxWorkers === 1;
    this.report = new RunReporter(
      {
        rootDir: config.root,
        silent: config.silent === true,
        optionHint: (option) => `set ${option}: true in workerOrcdReporter()'s options`,
        setupComesLater: true,
      },
      this.options,
    );
  }

  async onTestRunStart(specifications: readonly unknown[]): Promise<void> {
    await this.report?.runStarting(specifications.length, this.inBand, this.maxWorkers);
  }

  async onTestModuleEnd(): Promise<void> {
    await this.report?.fileDone();
  }

  async onTestRunEnd(): Promise<void> {
    await this.report?.runDone();
    if (this.report?.lastError())
      process.once("exit", () => {
        process.exitCode = 1;
      });
  }
}

/** `reporters: ["default", workerOrcdReporter({ ...options })]`: the run report under Vitest (options as the Jest reporter's). */
export function workerOrcdReporter(options: object = {}): WorkerOrcdVitestReporter {
  return new WorkerOrcdVitestReporter(options);
}
