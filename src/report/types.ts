import type { Fingerprint } from "../checks/fingerprint";
import type { JobRecord } from "../client/job-stats";
import type { Metrics, SloBounds } from "./metrics";
import type { PaceSamples } from "./pace";

export type { JobRecord };

/** One worker a test file used (its own, a kept one, or a harness's). */
export interface WorkerRecord {
  /** `"env"`: the file's global `worker`; `"harness"`: a `WorkerTestHarness`. */
  role: "env" | "harness";
  kind: "mock" | "real" | "attached";
  binary: string;
  model: string;
  device: number;
  baseUrl: string;
  pid: number;
  /**
   * Spawn to ready, as this process saw it. For a worker started ahead that
   * includes time the process was busy elsewhere (loading, compiling), so
   * such figures are left out of the start-up statistics and the baseline.
   */
  startupMs: number;
  /** True when an earlier file of the same Jest process used it first (scope `"process"`); its start-up was paid there. */
  reused: boolean;
  /**
   * How long this process's event loop was blocked while it waited for the
   * worker to be ready (Jest loading and compiling the test file), when that
   * was over 50 ms: `startupMs` then includes up to this much of that (the
   * worker was ready sooner); the table marks such a figure with `*`.
   */
  blockedMs?: number;
  /** True when it was started ahead, while the file before ran (a spare of scope `"file"`, the mock only); no file used it before. */
  ahead?: boolean;
  /** `vram_bytes` of the readiness callback. */
  vramBytes?: number;
  /** `vram_bytes_used` (or the last builds' `vram_bytes`) of `/health` when it became ready. */
  vramBytesUsed?: number;
  /** Its command line (a worker the package started). */
  command?: string;
  /** Names of the environment variables the run set for it. */
  envNames?: string[];
  /** Its `/health` body when it became ready (what it says of its build and model). */
  health?: unknown;
}

/** What one test file contributed. */
export interface FileRecord {
  /** Path relative to the project's rootDir. */
  file: string;
  /** In a merged report: which shard's report the file came from, and its machine. */
  shard?: { report: string; machine: string; gpu: string; version?: string };
  workers: WorkerRecord[];
  jobs: JobRecord[];
  /** The file's statistics (warm-up jobs left out). */
  metrics?: Metrics;
}

/** `worker-orcd-report.json`. */
export interface RunReport {
  schema: 1;
  package: { name: string; version: string };
  date: string;
  machine: {
    hostname: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
  };
  /** The GPU global setup saw (the first one), or null without one. */
  gpu: {
    name: string;
    driver?: string;
    cuda?: string;
    memoryTotalMiB: number | null;
    memoryFreeMiB: number | null;
  } | null;
  /**
   * What ran (GPU, driver, the worker binary's and the model's sha256, the
   * worker's arguments and environment names, versions): the gate and
   * `report compare` judge only across runs whose GPU, driver, binary and
   * model agree, unless told to.
   */
  fingerprint?: Fingerprint;
  /** The model file global setup checked, when it exists. */
  model: { path: string; bytes?: number; architecture?: string } | null;
  files: FileRecord[];
  /**
   * In a merged report: how many shard reports it holds and, where they
   * differ in machine, GPU or package version, one line per difference (the
   * top-level `machine`, `gpu` and `package` are then the first shard's; each
   * file's `shard` keeps its own).
   */
  merged?: { shards: number; differences: string[] };
  /**
   * How fast the machine was during the run, as the package's reference
   * worker measured it, interleaved with the run's files (see `pace.ts`):
   * the gate takes out how far it moved against the baseline's.
   */
  pace?: PaceSamples;
  /** How the jobs were read: warm-up jobs per worker, and the SLO, when one was set. */
  settings?: { warmupJobs: number; slo?: SloBounds };
  /** The run's statistics (warm-up jobs left out). */
  metrics?: Metrics;
  totals: {
    files: number;
    workersStarted: number;
    jobs: number;
    tokens: number;
    ttftP50?: number;
    ttftP95?: number;
    tokensPerSecP50?: number;
    startupP50?: number;
  };
}
