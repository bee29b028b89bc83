import { relative } from "node:path";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import type { Circus } from "@jest/types";
import { detectGpus, type GpuReport } from "../checks/gpu";
import { JobLedger, ownedBy } from "../client/job-ledger";
import { presentConfigError, type ResolvedOptions, resolveOptions } from "../config/options";
import { FileReport } from "../report/file-report";
import { workerRecord } from "../report/worker-record";
import { scopeFor, type WorkerOrigin, type WorkerScope } from "../scope/worker-scope";
import { transcriptContext } from "../transcripts/context";
import { TranscriptStore, type UpdateMode } from "../transcripts/store";
import { noteTranscriptUse } from "../transcripts/usage";
import { WorkerExitedError } from "../worker/errors";
import type { FileWorker, WorkerProcess } from "../worker/worker-process";
import { type EnvironmentHandle, HANDLE_KEY } from "./handle";
import { loadNodeEnvironment } from "./node-environment";
import { planWorker, type WorkerPlan, workerStartOptions } from "./plan";
import { GPU_PRAGMA, pragmaWarnings } from "./pragmas";
import { moreFilesFollow } from "./run-shape";

/** The base class: jest-environment-node of the running Jest (29 or 30). */
const NodeEnvironment = loadNodeEnvironment();

import { noteSpareStarted, noteWorkerUnused, noteWorkerUse, readState, STATE_VAR } from "./state";
import {
  countSkippedGpuTests,
  declaredTestNames,
  fullName,
  markAllSkipped,
  runnableTests,
} from "./test-tree";
import { createWorkerGlobal } from "./worker-global";

/** GPU detection of this process, for when global setup did not run (the environment used without the preset). */
let gpuDetection: Promise<GpuReport> | undefined;
function detectOnce(): Promise<GpuReport> {
  gpuDetection ??= detectGpus();
  return gpuDetection;
}

export { GPU_PRAGMA };

/**
 * Jest environment that owns one worker per test file: it starts the worker
 * before the first test (real or mock, per configuration and GPU checks),
 * exposes the global `worker`, skips or fails GPU-tagged tests where no GPU
 * is usable, and stops the worker and its whole process tree at teardown.
 */
export default class WorkerOrcdEnvironment extends NodeEnvironment {
  private readonly testPath: string;
  private readonly rootDir: string;
  private readonly projectId: string;
  private readonly pragmas: Record<string, string | string[]>;
  private readonly mergedOptions: unknown;
  /** Jest's `updateSnapshot` (`-u`: "all", `--ci`: "none"), which transcripts follow. */
  private readonly updateMode: UpdateMode;
  private options?: ResolvedOptions;
  private plan?: WorkerPlan;
  private worker?: FileWorker;
  /** The worker's start, begun early (while Jest loads the test file) when it is the mock. */
  private starting?: Promise<FileWorker | Error>;
  private startError?: Error;
  private gpuFailure?: Error;
  private exitReported = false;
  private handle?: EnvironmentHandle;
  /** Where the worker comes from and goes back to (scope "file" or "process"). */
  private scope?: WorkerScope;
  /** How the worker came to this file: started for it, kept from an earlier file, or started ahead. */
  private origin: WorkerOrigin = "started";
  /** The run report's collector for this file. */
  private report?: FileReport;
  private gpu?: GpuReport;
  private readonly runRoot: string;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = context.testPath;
    this.rootDir = config.projectConfig.rootDir;
    // Files are named from the run's root, so two projects' `x.test.ts` are never one file in the report.
    this.runRoot = config.globalConfig?.rootDir ?? this.rootDir;
    this.projectId = config.projectConfig.id;
    this.pragmas = context.docblockPragmas;
    this.mergedOptions = (config.projectConfig.testEnvironmentOptions as Record<string, unknown>)?.workerOrcd;
    this.updateMode = (config.globalConfig?.updateSnapshot as UpdateMode | undefined) ?? "new";
    const TestSymbol = this.global.Symbol as unknown as Record<string, symbol | undefined>;
    for (const name of ["asyncDispose", "dispose"] as const) {
      if (!TestSymbol[name] && Symbol[name]) Object.defineProperty(TestSymbol, name, { value: Symbol[name] });
    }
  }

  override async setup(): Promise<void> {
    await super.setup();
    for (const warning of pragmaWarnings(this.pragmas)) {
      process.stderr.write(`worker-orcd-jest: ${relative(this.runRoot, this.testPath)}: ${warning}\n`);
    }
    try {
      const state = readState();
      const configOptions =
        state && this.projectId in state.configOptions
          ? state.configOptions[this.projectId]
          : this.mergedOptions;
      this.options = resolveOptions(configOptions, this.fileOptions(), this.rootDir);
      // Global setup's report when it ran (fresh each run, watch mode included); else one detection per process.
      const gpu = state ? state.gpu : await detectOnce();
      this.gpu = gpu;
      this.plan = planWorker(this.options, gpu, state?.models);
    } catch (error) {
      throw presentConfigError(error);
    }
    const { options, plan } = this;
    const handle: EnvironmentHandle = {
      kind: plan.kind,
      why: plan.why,
      device: plan.device,
      gpu: { ready: plan.gpuReady, reason: plan.gpuSkipReason, requireGpu: options.requireGpu },
      skippedGpuTests: [],
      skippedGpuBlocks: [],
      harnesses: [],
      jobs: new JobLedger(),
      clientOptions: { requestTimeoutMs: options.requestTimeoutMs, idleTimeoutMs: options.idleTimeoutMs },
      realDefaults: {
        binary: plan.binaryReport.path,
        model: options.model,
        gpuDevice: plan.device,
        startupTimeoutMs: options.startupTimeoutMs,
        shutdownGraceMs: options.shutdownGraceMs,
      },
      current: () => this.current(),
    };
    this.handle = handle;
    this.report = FileReport.start(
      handle.jobs,
      relative(this.runRoot, this.testPath),
      process.env[STATE_VAR],
    );
    handle.transcripts = new TranscriptStore(
      this.testPath,
      this.updateMode,
      () => transcriptContext(plan, this.gpu),
      options.transcriptKey,
    );
    handle.recordAll = options.recordTranscripts;
    this.global[HANDLE_KEY] = handle;
    this.global.worker = createWorkerGlobal(handle);
    // The mock is cheap: start it now, overlapping Jest's loading of the test file.
    // A real worker starts only once run_start shows that a test will run.
    if (plan.kind === "mock" && !(GPU_PRAGMA in this.pragmas)) {
      let underWay = () => {};
      const spawned = new Promise<void>((resolve) => (underWay = resolve));
      this.starting = this.startWorker(underWay);
      // Jest loads the test file synchronously next, which blocks this event loop: spawn before that, not after.
      await Promise.race([spawned, this.starting]);
    }
  }

  async handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    if (event.name === "add_test") this.ownConcurrent(state);
    else if (event.name === "run_start") await this.onRunStart(state);
    else if (event.name === "test_start") {
      if (this.handle) this.handle.jobs.owner = fullName(event.test);
    } else if (event.name === "test_started") {
      const error = this.gpuFailure ?? this.startError;
      if (error) event.test.errors.push(error);
    } else if (event.name === "test_done") {
      // Like Jest's snapshots: a failed test's transcripts are never obsolete (it may have failed before using them).
      if (event.test.errors.length === 0) this.handle?.transcripts?.ranTests.add(fullName(event.test));
      this.endRequestsOf(event.test);
      this.checkDeath(event.test);
    }
  }

  /**
   * A concurrent test's code runs beside other tests', so "the running test"
   * cannot say whose a call is: its function runs inside the ledger's context
   * under its own name (Jest's `add_test`, synchronous, right after the test
   * was added), and every call it makes is owned by it.
   */
  private ownConcurrent(state: Circus.State): void {
    const test = state.currentDescribeBlock.children.at(-1);
    const jobs = this.handle?.jobs;
    if (!jobs || test?.type !== "test" || !test.concurrent || !test.fn) return;
    test.fn = ownedBy(jobs, fullName(test), test.fn);
    this.handle!.concurrent = true;
  }

  /**
   * Ends every request the finished test left open (it timed out while
   * streaming, or did not await a call): the worker sees the disconnect and
   * stops the job, and the next test does not meet a busy worker.
   */
  private endRequestsOf(test: Circus.TestEntry): void {
    const jobs = this.handle?.jobs;
    if (!jobs) return;
    const name = fullName(test);
    jobs.abortOwnedBy(
      name,
      `test ${JSON.stringify(name)} ended while it ran (a Jest timeout, or a call that was not awaited)`,
    );
    jobs.owner = undefined;
  }

  override async teardown(): Promise<void> {
    try {
      this.handle?.jobs.abortOwnedBy(undefined, "the test file ended");
      for (const harness of this.handle?.harnesses ?? []) await harness.stop().catch(() => undefined);
      this.finishReport(); // after the stops: the calls just aborted have recorded themselves by now
      if (this.handle?.transcripts) noteTranscriptUse(this.handle.transcripts, process.env[STATE_VAR]);
      const worker = this.worker ?? (this.starting ? await this.starting : undefined);
      // Started for this file, which then never ran a test (it failed to load): counted apart in the summary.
      if (!this.worker && worker && !(worker instanceof Error)) noteWorkerUnused();
      if (worker && !(worker instanceof Error)) await this.scope!.release(worker, this.handle?.jobs);
    } finally {
      await super.teardown();
    }
  }

  /** Leaves this file's record (its calls, and the workers that served them) for the run report. */
  private finishReport(): void {
    const harnesses = (this.handle?.harnesses ?? []).flatMap((h) => {
      const proc = (h as { process?: WorkerProcess }).process;
      return proc ? [workerRecord("harness", proc, false)] : [];
    });
    const own = this.worker
      ? [
          workerRecord(
            "env",
            this.worker,
            this.origin === "reused" || this.origin === "pooled",
            this.origin === "ahead",
          ),
        ]
      : [];
    this.report?.finish([...own, ...harnesses]);
  }

  private fileOptions(): unknown {
    const raw = this.pragmas["jest-environment-options"];
    if (typeof raw !== "string") return undefined;
    try {
      return (JSON.parse(raw) as Record<string, unknown>)?.workerOrcd;
    } catch {
      return undefined; // Jest itself fails the file on bad JSON before we get here
    }
  }

  private async onRunStart(state: Circus.State): Promise<void> {
    for (const name of declaredTestNames(state.rootDescribeBlock))
      this.handle?.transcripts?.declaredTests.add(name);
    if (this.handle?.concurrent) this.handle.preload?.();
    const plan = this.plan!;
    const options = this.options!;
    const file = relative(this.runRoot, this.testPath);
    if (GPU_PRAGMA in this.pragmas && !plan.gpuReady) {
      if (options.requireGpu) {
        this.gpuFailure = new Error(
          `${file} is tagged @${GPU_PRAGMA} and cannot run, and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it: ${plan.gpuSkipReason}`,
        );
        return;
      }
      const n = markAllSkipped(state.rootDescribeBlock);
      process.stderr.write(`worker-orcd-jest: ${file}: skipped ${n} GPU test(s): ${plan.gpuSkipReason}\n`);
      return;
    }
    const skipped = countSkippedGpuTests(state, this.handle!.skippedGpuTests, this.handle!.skippedGpuBlocks);
    if (skipped > 0)
      process.stderr.write(
        `worker-orcd-jest: ${file}: skipped ${skipped} GPU test(s): ${plan.gpuSkipReason}\n`,
      );
    const runnable = runnableTests(state) > 0;
    if (!runnable && !this.starting) return;
    this.starting ??= this.startWorker();
    const started = await this.starting;
    if (!runnable) {
      if (!(started instanceof Error)) {
        noteWorkerUnused();
        await this.scope!.release(started);
      }
      this.starting = undefined;
      return;
    }
    if (started instanceof Error) this.startError = started;
    else this.worker = started;
  }

  /** Starts the file's worker; resolves to the worker or to the error to show for every test (never rejects). */
  private async startWorker(onUnderWay?: () => void): Promise<FileWorker | Error> {
    const plan = this.plan!;
    const options = this.options!;
    this.scope = scopeFor(options, relative(this.runRoot, this.testPath));
    try {
      const acquired = await this.scope.acquire(
        { ...workerStartOptions(plan, options, this.rootDir), jobs: this.handle?.jobs },
        {
          prestart: plan.kind === "mock" && options.prestart && moreFilesFollow(),
          onUnderWay,
          onSpareStart: () => noteSpareStarted(),
          reuse: options.reuse ? { idleMs: options.reuseIdleMs, mode: plan.kind } : undefined,
        },
      );
      this.origin = acquired.origin;
      noteWorkerUse(this.scope.name, this.origin);
      return acquired.worker;
    } catch (error) {
      const file = relative(this.runRoot, this.testPath);
      const message = `worker-orcd-jest could not start the ${plan.kind} worker for ${file}: ${(error as Error).message}`;
      return Object.assign(new Error(message), { stack: message });
    }
  }

  private current(): FileWorker {
    if (this.startError) throw this.startError;
    if (this.gpuFailure) throw this.gpuFailure;
    if (!this.worker) {
      throw new Error(
        "the worker is not started: worker-orcd-jest starts it just before the first test of a file that has tests to run; " +
          "use `worker` inside tests and hooks, not at the top level of the file",
      );
    }
    return this.worker;
  }

  private checkDeath(test: Circus.TestEntry): void {
    const exit = this.worker?.exit;
    if (!exit || this.exitReported || (exit.code === 0 && !exit.signal)) return;
    this.exitReported = true;
    if (test.errors.length > 0) return;
    const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
    const error = new WorkerExitedError(`the worker process ${how} during this test`, this.worker!.facts());
    error.stack = `${error.name}: ${error.message}`;
    test.errors.push(error);
  }
}
