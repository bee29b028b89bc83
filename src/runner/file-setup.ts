import { detectGpus, type GpuReport } from "../checks/gpu";
import { JobLedger } from "../client/job-ledger";
import { ConfigError, presentConfigError, type ResolvedOptions, resolveOptions } from "../config/options";
import type { EnvironmentHandle } from "../run/handle";
import { readState, runRefused } from "../run/state";
import { planWorker, type WorkerPlan } from "../scope/plan";
import type { FileWorker } from "../worker/worker-process";

/** GPU detection of this process, for when global setup did not run (the environment used without the preset). */
let gpuDetection: Promise<GpuReport> | undefined;
function detectOnce(): Promise<GpuReport> {
  gpuDetection ??= detectGpus();
  return gpuDetection;
}

/** A test file's settled configuration: its options, the GPUs seen, and the worker it plans. */
export interface FileSetup {
  options: ResolvedOptions;
  gpu: GpuReport;
  plan: WorkerPlan;
}

/**
 * Resolves a file's options (global setup's copy of the project's, else the
 * config's; then the file's docblock) and plans its worker. A bad option
 * throws one clear configuration error.
 */
export async function setUpFile(o: {
  projectId: string;
  configOptions: unknown;
  fileOptions: unknown;
  rootDir: string;
  /** How the runner's configuration names the options in messages (default: Jest's). */
  optionsName?: string;
  /** How messages name the file's own options (default: Jest's docblock). */
  fileOptionsName?: string;
}): Promise<FileSetup> {
  try {
    const refused = runRefused();
    if (refused) throw new ConfigError(`${refused} (no test runs until the reporter's options are fixed)`);
    const state = readState();
    const config =
      state && o.projectId in state.configOptions ? state.configOptions[o.projectId] : o.configOptions;
    const options = resolveOptions(
      config,
      o.fileOptions,
      o.rootDir,
      process.env,
      o.optionsName,
      o.fileOptionsName,
    );
    // Global setup's report when it ran (fresh each run, watch mode included); else one detection per process.
    const gpu = state ? state.gpu : await detectOnce();
    return { options, gpu, plan: planWorker(options, gpu, state?.models) };
  } catch (error) {
    throw presentConfigError(error);
  }
}

/** What the environment shares with the file's test code, for a settled setup. */
export function fileHandle({ options, plan }: FileSetup, current: () => FileWorker): EnvironmentHandle {
  return {
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
    recordAll: options.recordTranscripts,
    current,
  };
}
