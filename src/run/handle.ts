import type { JobLedger } from "../client/job-ledger";
import type { TranscriptStore } from "../transcripts/store";
import type { FileWorker } from "../worker/worker-process";

/** Global key under which the environment shares its handle with the test realm. */
export const HANDLE_KEY = "__WORKER_ORCD_JEST__";

/** GPU facts a test file sees (for `itGpu`, `describeGpu`). */
export interface GpuStatus {
  /** True when a GPU, the model and the binary are all present. */
  ready: boolean;
  /** Why GPU tests cannot run. */
  reason?: string;
  /** `WORKER_ORCD_REQUIRE_GPU=1`: fail instead of skip. */
  requireGpu: boolean;
}

/** Anything the environment stops at teardown if a test forgot to. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/** What the environment shares with test code (the global `worker`, GPU helpers, harnesses). */
export interface EnvironmentHandle {
  kind: "mock" | "real" | "attached";
  why: string;
  device: number;
  gpu: GpuStatus;
  /** Names of tests `itGpu` skipped, for the one-line report. */
  skippedGpuTests: string[];
  /** Names of blocks `describeGpu` skipped. */
  skippedGpuBlocks: string[];
  /** Workers started with `WorkerTestHarness` in this file. */
  harnesses: Stoppable[];
  clientOptions: { requestTimeoutMs: number; idleTimeoutMs: number };
  /** Defaults for `WorkerTestHarness.start`: the configured real worker. */
  realDefaults: {
    binary?: string;
    model: string;
    gpuDevice: number;
    startupTimeoutMs: number;
    shutdownGraceMs: number;
  };
  /** Calls in flight against the file's workers, by test: each test's are ended when it ends. */
  jobs: JobLedger;
  /** This file's transcripts (record, compare), once the worker is known. */
  transcripts?: TranscriptStore;
  /** Record every call of the global worker (option `recordTranscripts`), under its job id. */
  recordAll?: boolean;
  /**
   * Loads, in the test realm, every module the package would otherwise load
   * on first use (matchers, the client). Set by the preset's setup file; the
   * environment calls it before a file with concurrent tests runs, since Jest
   * refuses a `require` while one concurrent test has ended and others run.
   */
  preload?: () => void;
  /** True once `add_test` saw a `test.concurrent`. */
  concurrent?: boolean;
  /** The file's worker; throws the startup error when it failed, or says it is not started. */
  current(): FileWorker;
}

/** The handle, from the global object of the current realm. */
export function getHandle(): EnvironmentHandle | undefined {
  return (globalThis as Record<string, unknown>)[HANDLE_KEY] as EnvironmentHandle | undefined;
}
