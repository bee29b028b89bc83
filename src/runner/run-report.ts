import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { type Fingerprint, fingerprintOf } from "../checks/fingerprint";
import type { GpuReport } from "../checks/gpu";
import { ConfigError } from "../client/errors";
import { checkOptions } from "../config/check";
import {
  compareWithBaseline,
  formatComparison,
  formatPace,
  nothingJudged,
  type Tolerances,
} from "../report/baseline";
import { readBaseline } from "../report/baseline-file";
import { buildReport, readFileRecords } from "../report/build";
import { recordsDir } from "../report/file-report";
import { renderHtml } from "../report/html";
import type { SloBounds } from "../report/metrics";
import { REPORTER_RULES } from "../report/option-rules";
import type { PaceSamples } from "../report/pace";
import { formatSummary } from "../report/table";
import type { RunReport } from "../report/types";
import { readState, readWorkerUse, refuseRun, STATE_VAR } from "../run/state";
import { PaceProbe } from "./pace-probe";
import { runScheduled } from "./run-shape";

/** Options of `["worker-orcd-jest/reporter", { ... }]`. */
export interface ReporterOptions {
  /** Folder for `worker-orcd-report.json` and `.html` (relative to rootDir). Also `WORKER_ORCD_REPORT_DIR`. Default: none written. */
  outputDir?: string;
  /** A stored `worker-orcd-report.json` to compare with; a regression fails the run. Also `WORKER_ORCD_REPORT_BASELINE`. */
  baseline?: string;
  /** How far each figure may move (see the README). */
  tolerances?: Partial<Tolerances>;
  /** Compare with a baseline from another machine or GPU too. Default false. */
  compareAcrossMachines?: boolean;
  /**
   * Compare with a baseline whose fingerprint differs in GPU, driver, worker
   * binary or model too (an A/B of two builds). Default false: such a
   * baseline is not judged, and the difference is printed.
   */
  compareAcrossFingerprints?: boolean;
  /** The first this many jobs of each worker are warm-up, left out of the statistics and the gate. Default 1; 0 keeps all. */
  warmupJobs?: number;
  /** Latency bounds each job meets or misses; the report shows goodput (the share that met all) and the misses. */
  slo?: SloBounds;
  /** With `slo`: the run fails when its goodput (0 to 1) is below this. */
  minGoodput?: number;
}

/** The reporter's options, checked by the one option checker: every problem in one message. */
function checkReporterOptions(o: unknown): ReporterOptions {
  const given = checkOptions<ReporterOptions>(o, {
    label: "worker-orcd-jest reporter",
    rules: REPORTER_RULES,
  });
  if (given.minGoodput !== undefined && given.slo === undefined)
    throw new ConfigError(
      "worker-orcd-jest reporter: minGoodput needs slo (the bounds a job must meet to count as good)",
    );
  return given;
}

/** What the run report needs of the runner: its root, whether to print, and how it names the reporter's options. */
export interface ReportContext {
  rootDir: string;
  silent: boolean;
  /** How messages name the setting that turns on a comparison across machines or fingerprints. */
  optionHint: (option: "compareAcrossMachines" | "compareAcrossFingerprints") => string;
  /**
   * True where the run's global setup comes after the reporter's start
   * (Vitest): the pace is measured without waiting for its state file.
   */
  setupComesLater?: boolean;
}

/**
 * The run report, whatever the runner: at the end of the run, a table of
 * figures per test file (worker, start-up, jobs, tokens, TTFT, tokens/s,
 * VRAM), the JSON and HTML files when an output folder is set, and the
 * baseline gate; the machine's pace is measured beside the run whenever its
 * figures are kept or judged. Pass and fail stay the runner's; a regression
 * past the tolerances fails the run ({@link lastError}), and a gate that
 * cannot judge sets exit code 2 unless the run fails anyway.
 */
export class RunReporter {
  private readonly options: ReporterOptions;
  private error?: Error;
  private runStart = Date.now();
  /** The reference worker of this run (when a report is written or a baseline compared). */
  private pace?: Promise<PaceProbe | undefined>;

  constructor(
    private readonly context: ReportContext,
    options?: unknown,
  ) {
    // A bad option fails the run through lastError(), not by throwing here: a throw
    // would end the run after global setup and before global teardown.
    try {
      this.options = checkReporterOptions(options);
    } catch (error) {
      this.options = {};
      this.error = error as Error;
    }
  }

  /** The run is about to start its files: `files` of them, in band or over `maxWorkers` processes. */
  async runStarting(files: number, inBand: boolean, maxWorkers: number): Promise<void> {
    if (this.error) {
      process.stderr.write(`${this.error.message}\n`);
      // Options that are wrong: no file runs its tests (each fails at once), rather than all of them before exit 1.
      refuseRun(this.error.message);
    }
    this.runStart = Date.now();
    const setUp = process.env[STATE_VAR] !== undefined || this.context.setupComesLater === true;
    if (!this.error && setUp && (this.reportDir() || this.baselinePath())) this.pace = PaceProbe.start();
    await runScheduled(files, inBand, maxWorkers);
  }

  private path(p: string | undefined): string | undefined {
    if (!p) return undefined;
    const path = p.replace(/^<rootDir>/, this.context.rootDir);
    return isAbsolute(path) ? path : resolve(this.context.rootDir, path);
  }

  private reportDir(): string | undefined {
    return this.path(process.env.WORKER_ORCD_REPORT_DIR || this.options.outputDir);
  }

  private baselinePath(): string | undefined {
    return this.path(process.env.WORKER_ORCD_REPORT_BASELINE || this.options.baseline);
  }

  /** After each test file: the reference job and the CPU probe, interleaved with the files still running. */
  async fileDone(): Promise<void> {
    const probe = await this.pace;
    await probe?.sample();
  }

  /** The run's files are done: the report, its files and the gate. */
  async runDone(): Promise<void> {
    const probe = await this.pace;
    this.pace = undefined;
    if (probe) {
      // A run of one file still gets enough samples to judge its pace by.
      for (let k = probe.samples().tpotMs.length; k < 6; k += 2) await probe.sample();
      await probe.stop();
    }
    if (this.error) return;
    // Whatever goes wrong here must not cost the run Jest's summary nor its global teardown: it becomes the run's error, printed.
    try {
      this.complete(probe?.samples());
    } catch (error) {
      this.fail(`worker-orcd-jest reporter: the run report failed: ${(error as Error).stack ?? error}`);
    }
  }

  /**
   * The gate withholds its verdict: `message` is printed, and the run exits
   * with code 2 unless it fails anyway (a failed test's exit code 1, set by
   * the runner after this, wins).
   */
  private withhold(message: string): void {
    process.stderr.write(`\n${message}\n`);
    process.once("exit", (code) => {
      if (!code) process.exitCode = 2;
    });
  }

  /** Fails the run with `message`, and prints it (Jest 30 does not print a reporter's error). */
  private fail(message: string): void {
    this.error = new Error(message);
    process.stderr.write(`\n${message}\n`);
  }

  private complete(pace: PaceSamples | undefined): void {
    const statePath = process.env[STATE_VAR];
    if (!statePath) return; // no global setup: the preset's environment did not run
    const report = buildReport(
      readFileRecords(recordsDir(statePath)),
      readState(),
      new Date(),
      readWorkerUse(),
      { warmupJobs: this.options.warmupJobs, slo: this.options.slo, runStart: this.runStart },
    );
    if (pace) report.pace = pace;
    if (report.files.length === 0) return;
    report.fingerprint = runFingerprint(report, readState()?.gpu);
    const out = (text: string) => {
      if (!this.context.silent) process.stderr.write(`${text}\n`);
    };
    out(`\n${formatSummary(report)}`);
    const dir = this.reportDir();
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "worker-orcd-report.json"), `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(join(dir, "worker-orcd-report.html"), renderHtml(report));
      out(`worker-orcd-jest report: ${join(dir, "worker-orcd-report.json")} and worker-orcd-report.html`);
    }
    const baselinePath = this.baselinePath();
    if (baselinePath) this.gate(report, baselinePath, out);
    const goodput = report.metrics?.goodput;
    const min = this.options.minGoodput;
    if (min !== undefined && goodput && goodput.share < min && !this.error)
      this.fail(
        `worker-orcd-jest reporter: goodput ${(goodput.share * 100).toFixed(0)} % (${goodput.met} of ${goodput.of} jobs met the SLO) is below minGoodput ${(min * 100).toFixed(0)} %`,
      );
  }

  private gate(report: RunReport, path: string, out: (text: string) => void): void {
    const read = readBaseline(path, this.options.outputDir);
    if (read.kind === "missing") {
      out(read.message);
      return;
    }
    if (read.kind === "damaged") {
      this.fail(read.message);
      return;
    }
    const baseline = read.report;
    const result = compareWithBaseline(report, baseline, this.options.tolerances, {
      machines: this.options.compareAcrossMachines,
      fingerprints: this.options.compareAcrossFingerprints,
    });
    const pace = formatPace(result);
    if (pace) out(`worker-orcd-jest report: ${pace}`);
    const withheld = nothingJudged(result, report, baseline);
    if (withheld) {
      this.withhold(
        `worker-orcd-jest report: nothing judged against the baseline ${path}, no verdict (exit code 2): ${withheld}` +
          `${result.override ? `; ${this.context.optionHint(result.override === "machines" ? "compareAcrossMachines" : "compareAcrossFingerprints")} to compare anyway` : ""}`,
      );
      return;
    }
    if (result.regressions.length === 0) {
      const few = result.unjudged.length;
      out(
        `worker-orcd-jest report: no regression against ${path} (${result.compared.length - few} figure(s) judged${few ? `; ${few} not judged, too few samples: ${result.unjudged.map((c) => `${c.figure} ${c.nBefore}/${c.nAfter}`).join(", ")}` : ""})`,
      );
      return;
    }
    const table = formatComparison(result);
    this.fail(
      `worker-orcd-jest reporter: ${result.regressions.length} figure(s) regressed against the baseline ${path}:\n${table}`,
    );
  }

  /** What fails the run (a regression, an unreadable baseline, a bad option), if anything. */
  lastError(): Error | undefined {
    return this.error;
  }
}

/** The fingerprint of what the run's files ran on: their first own worker (the one the gate's figures come from). */
function runFingerprint(report: RunReport, gpu: GpuReport | undefined): Fingerprint | undefined {
  const w = report.files.flatMap((f) => f.workers).find((x) => x.role === "env");
  if (!w) return undefined;
  return fingerprintOf({
    binary: w.kind === "attached" ? w.baseUrl : w.binary,
    model: w.model,
    device: w.device,
    gpu,
    command: w.command,
    envNames: w.envNames,
    health: w.health,
  });
}
