import { relative } from "node:path";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import type { Circus } from "@jest/types";
import { FileReport } from "../report/file-report";
import { workerRecord } from "../report/worker-record";
import { type EnvironmentHandle, HANDLE_KEY } from "../run/handle";
import { STATE_VAR } from "../run/state";
import { type FileSetup, fileHandle, setUpFile } from "../runner/file-setup";
import { FileWorkerSlot } from "../runner/file-worker";
import { createWorkerGlobal } from "../runner/worker-global";
import { transcriptContext } from "../transcripts/context";
import { TranscriptStore, type UpdateMode } from "../transcripts/store";
import { noteTranscriptUse } from "../transcripts/usage";
import type { FileWorker, WorkerProcess } from "../worker/worker-process";
import { gateGpu } from "./gpu-gate";
import { loadNodeEnvironment } from "./node-environment";
import { docblockOptions, GPU_PRAGMA, pragmaWarnings } from "./pragmas";
import { endRequestsOf, ownConcurrent, reportDeath } from "./test-calls";
import { declaredTestNames, fullName, runnableTests } from "./test-tree";

/** The base class: jest-environment-node of the running Jest (29 or 30). */
const NodeEnvironment = loadNodeEnvironment();

export { GPU_PRAGMA };

/**
 * Jest environment that owns one worker per test file: it starts the worker
 * before the first test (real or mock, per configuration and GPU checks),
 * exposes the global `worker`, skips or fails GPU-tagged tests where no GPU
 * is usable, and stops the worker and its whole process tree at teardown.
 * Each of its jobs is one call into a room of its own: options and the plan
 * (`file-setup`), the worker (`file-worker`), GPU tagging (`gpu-gate`), the
 * tests' calls (`test-calls`), transcripts and the run report.
 */
export default class WorkerOrcdEnvironment extends NodeEnvironment {
  private readonly testPath: string;
  private readonly rootDir: string;
  private readonly projectId: string;
  private readonly pragmas: Record<string, string | string[]>;
  private readonly configOptions: unknown;
  /** Jest's `updateSnapshot` (`-u`: "all", `--ci`: "none"), which transcripts follow. */
  private readonly updateMode: UpdateMode;
  /** The file as the run names it: from the run's root, so two projects' `x.test.ts` are never one file. */
  private readonly file: string;
  private setupDone?: FileSetup;
  private handle?: EnvironmentHandle;
  private slot?: FileWorkerSlot;
  private gpuFailure?: Error;
  private deathReported = false;
  /** The run report's collector for this file. */
  private report?: FileReport;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = context.testPath;
    this.rootDir = config.projectConfig.rootDir;
    this.file = relative(config.globalConfig?.rootDir ?? this.rootDir, this.testPath);
    this.projectId = config.projectConfig.id;
    this.pragmas = context.docblockPragmas;
    this.configOptions = (config.projectConfig.testEnvironmentOptions as Record<string, unknown>)?.workerOrcd;
    this.updateMode = (config.globalConfig?.updateSnapshot as UpdateMode | undefined) ?? "new";
    const TestSymbol = this.global.Symbol as unknown as Record<string, symbol | undefined>;
    for (const name of ["asyncDispose", "dispose"] as const) {
      if (!TestSymbol[name] && Symbol[name]) Object.defineProperty(TestSymbol, name, { value: Symbol[name] });
    }
  }

  override async setup(): Promise<void> {
    await super.setup();
    for (const warning of pragmaWarnings(this.pragmas))
      process.stderr.write(`worker-orcd-jest: ${this.file}: ${warning}\n`);
    const setup = await setUpFile({
      projectId: this.projectId,
      configOptions: this.configOptions,
      fileOptions: docblockOptions(this.pragmas),
      rootDir: this.rootDir,
    });
    this.setupDone = setup;
    const handle = fileHandle(setup, () => this.current());
    this.handle = handle;
    this.report = FileReport.start(handle.jobs, this.file, process.env[STATE_VAR]);
    handle.transcripts = new TranscriptStore(
      this.testPath,
      this.updateMode,
      () => transcriptContext(setup.plan, setup.gpu),
      setup.options.transcriptKey,
    );
    this.global[HANDLE_KEY] = handle;
    this.global.worker = createWorkerGlobal(handle);
    const { plan, options } = setup;
    this.slot = new FileWorkerSlot({
      plan,
      options,
      rootDir: this.rootDir,
      file: this.file,
      jobs: handle.jobs,
    });
    // The mock is cheap: start it now, overlapping Jest's loading of the test file.
    // A real worker starts only once run_start shows that a test will run.
    if (plan.kind === "mock" && !(GPU_PRAGMA in this.pragmas)) {
      let underWay = () => {};
      const spawned = new Promise<void>((resolve) => (underWay = resolve));
      // Jest loads the test file synchronously next, which blocks this event loop: spawn before that, not after.
      await Promise.race([spawned, this.slot.begin(underWay)]);
    }
  }

  async handleTestEvent(event: Circus.Event, state: Circus.State): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    if (event.name === "add_test") {
      if (ownConcurrent(state, handle.jobs)) handle.concurrent = true;
    } else if (event.name === "run_start") await this.onRunStart(state, handle);
    else if (event.name === "test_start") handle.jobs.owner = fullName(event.test);
    else if (event.name === "test_started") {
      const error = this.gpuFailure ?? this.slot?.startError;
      if (error) event.test.errors.push(error);
    } else if (event.name === "test_done") {
      // Like Jest's snapshots: a failed test's transcripts are never obsolete (it may have failed before using them).
      if (event.test.errors.length === 0) handle.transcripts?.ranTests.add(fullName(event.test));
      endRequestsOf(event.test, handle.jobs);
      if (!this.deathReported) this.deathReported = reportDeath(event.test, this.slot?.worker);
    }
  }

  override async teardown(): Promise<void> {
    try {
      this.handle?.jobs.abortOwnedBy(undefined, "the test file ended");
      for (const harness of this.handle?.harnesses ?? []) await harness.stop().catch(() => undefined);
      // After the stops: the calls just aborted have recorded themselves by now.
      const harnesses = (this.handle?.harnesses ?? []).flatMap((h) => {
        const proc = (h as { process?: WorkerProcess }).process;
        return proc ? [workerRecord("harness", proc)] : [];
      });
      this.report?.finish([...(this.slot?.records() ?? []), ...harnesses]);
      if (this.handle?.transcripts) noteTranscriptUse(this.handle.transcripts, process.env[STATE_VAR]);
      await this.slot?.release();
    } finally {
      await super.teardown();
    }
  }

  private async onRunStart(state: Circus.State, handle: EnvironmentHandle): Promise<void> {
    for (const name of declaredTestNames(state.rootDescribeBlock))
      handle.transcripts?.declaredTests.add(name);
    if (handle.concurrent) handle.preload?.();
    const { plan, options } = this.setupDone!;
    const gate = gateGpu(state, {
      tagged: GPU_PRAGMA in this.pragmas,
      plan,
      options,
      file: this.file,
      handle,
    });
    if (!gate.run) {
      if ("failure" in gate) this.gpuFailure = gate.failure;
      return;
    }
    await this.slot!.take(runnableTests(state) > 0);
  }

  private current(): FileWorker {
    const error = this.slot?.startError ?? this.gpuFailure;
    if (error) throw error;
    if (!this.slot?.worker) {
      throw new Error(
        "the worker is not started: worker-orcd-jest starts it just before the first test of a file that has tests to run; " +
          "use `worker` inside tests and hooks, not at the top level of the file",
      );
    }
    return this.slot.worker;
  }
}
