import { type BinaryReport, checkBinary, findOnPath } from "../checks/binary";
import type { GpuInfo, GpuReport } from "../checks/gpu";
import { checkModel, type ModelReport, vramShortfall } from "../checks/model";
import { ConfigError, type ResolvedOptions } from "../config/options";
import { writtenDefaultModel } from "../gguf/default-model";
import type { WorkerStartOptions } from "../worker/worker-process";
import { isAttached, pickDevice } from "./choose";

/** Which worker a test file gets, and whether GPU-tagged tests can run. */
export interface WorkerPlan {
  /** `"attached"`: a running worker at `url` (nothing is started). */
  kind: "mock" | "real" | "attached";
  /** Why this kind was chosen. */
  why: string;
  /** Executable path, or `"mock"`. */
  binary: string;
  /** `--model` value. */
  model: string;
  device: number;
  /** True when a GPU, the model and the binary are all present. */
  gpuReady: boolean;
  /** Why GPU-tagged tests cannot run; undefined when they can. */
  gpuSkipReason?: string;
  modelReport: ModelReport;
  binaryReport: BinaryReport;
}

/**
 * How the worker of a plan is started (global setup, for a spare started
 * ahead of the first file, and the environment build the same options, so
 * the two are interchangeable). `rootDir` is the default replay folder.
 */
export function workerStartOptions(
  plan: WorkerPlan,
  options: ResolvedOptions,
  rootDir: string,
): WorkerStartOptions {
  return {
    binary: plan.binary,
    model: plan.model,
    gpuDevice: plan.device,
    startupTimeoutMs: options.startupTimeoutMs,
    shutdownGraceMs: options.shutdownGraceMs,
    requestTimeoutMs: options.requestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    extraArgs: [
      ...options.extraArgs,
      ...(plan.kind === "mock" ? options.mockArgs : options.realArgs),
      ...(options.mode === "llama" ? ["--engine", "llama", "--threads", String(options.llamaThreads)] : []),
      ...(options.mode === "replay"
        ? ["--replay", options.replayDir ?? rootDir, "--replay-speed", String(options.replaySpeed)]
        : []),
    ],
    env: options.env,
  };
}

function source(options: ResolvedOptions, key: "model" | "binary" | "url"): string {
  return options.sources[key] ? ` (from ${options.sources[key]})` : "";
}

/**
 * Decides real or mock for a resolved configuration and a GPU report.
 * Throws {@link ConfigError} for a configured model or binary that does not
 * exist, and for mode "real" without a usable binary and model.
 */
export function planWorker(
  options: ResolvedOptions,
  gpu: GpuReport,
  knownModels?: ModelReport[],
): WorkerPlan {
  const device = pickDevice(options.gpuDevices);
  // A worker that is already running: the GPU, model and binary checks are its host's business, not this run's.
  if (isAttached(options)) {
    const unchecked = { ok: false, reason: "not checked: the worker is attached (url)" };
    return {
      kind: "attached",
      why: `url from ${options.sources.url ?? "the configuration"}`,
      binary: "attached",
      model: "(remote)",
      device,
      gpuReady: true,
      modelReport: { path: "(remote)", ...unchecked },
      binaryReport: unchecked,
    };
  }
  const binaryReport: BinaryReport =
    options.binary === "mock"
      ? {
          path: "mock",
          ok: false,
          reason: `binary is "mock"${source(options, "binary")}: the bundled mock worker (GPU tests need a real worker binary)`,
        }
      : checkBinary(options.binary ?? findOnPath());
  const modelReport = checkModel(options.model, knownModels);
  if (options.mode === "llama") return planLlama(options, device, modelReport, binaryReport);
  if (options.mode !== "mock" && options.mode !== "replay") {
    if (options.modelConfigured && !modelReport.ok) {
      throw new ConfigError(
        `workerOrcd.model${source(options, "model")}: ${modelReport.reason}; point it at a readable .gguf file`,
      );
    }
    if (options.binary && options.binary !== "mock" && !binaryReport.ok) {
      throw new ConfigError(`workerOrcd.binary${source(options, "binary")}: ${binaryReport.reason}`);
    }
  }
  const gpuInfo = gpu.gpus.find((g) => g.index === device);
  const gpuReason =
    gpu.reason ??
    (gpuInfo
      ? vramShortfall(modelReport, gpuInfo.memoryFreeMiB)
      : `GPU ${device} not found (nvidia-smi lists ${gpu.gpus.map((g) => g.index).join(", ")})`);
  const gpuSkipReason = gpuReason ?? (modelReport.ok ? undefined : modelReport.reason) ?? binaryReport.reason;
  const gpuReady = gpuSkipReason === undefined;
  const mockModel =
    modelReport.ok || (options.modelConfigured && options.mode === "mock") ? options.model : "mock";
  const mock = (why: string): WorkerPlan => ({
    kind: "mock",
    why,
    binary: "mock",
    model: mockModel,
    device,
    gpuReady,
    gpuSkipReason,
    modelReport,
    binaryReport,
  });
  const real = (why: string): WorkerPlan => ({
    kind: "real",
    why,
    binary: binaryReport.path!,
    model: options.model,
    device,
    gpuReady,
    gpuSkipReason,
    modelReport,
    binaryReport,
  });
  if (options.mode === "mock") return mock("mode is mock");
  if (options.mode === "replay") return mock("mode is replay: the mock serves recorded transcripts");
  if (options.binary === "mock" && options.mode === "auto") return mock(`auto: ${binaryReport.reason}`);
  if (options.mode === "real") {
    if (!binaryReport.ok) throw new ConfigError(`mode "real" needs a worker binary: ${binaryReport.reason}`);
    if (!modelReport.ok) throw new ConfigError(`mode "real" needs a model: ${modelReport.reason}`);
    return real("mode is real");
  }
  return gpuReady ? real("auto: GPU, model and binary present") : mock(`auto: ${gpuSkipReason}`);
}

/**
 * Mode "llama": the mock's protocol layer with llama.cpp's tokens over the
 * configured model, else the reference model where it is present, else a
 * small model the package writes. GPU-tagged tests skip (no real worker).
 */
function planLlama(
  options: ResolvedOptions,
  device: number,
  modelReport: ModelReport,
  binaryReport: BinaryReport,
): WorkerPlan {
  if (options.modelConfigured && !modelReport.ok) {
    throw new ConfigError(
      `mode "llama" needs a model llama.cpp can read: workerOrcd.model${source(options, "model")}: ${modelReport.reason}; point it at a .gguf file, or leave it out for a small written one`,
    );
  }
  const model = modelReport.ok ? options.model : writtenDefaultModel();
  const report = modelReport.ok ? modelReport : checkModel(model);
  const reason = "mode is llama: GPU-tagged tests need a real worker binary";
  return {
    kind: "mock",
    why: `mode is llama: the mock's protocol with llama.cpp tokens from ${modelReport.ok ? model : `a written model (${model})`}`,
    binary: "mock",
    model,
    device,
    gpuReady: false,
    gpuSkipReason: reason,
    modelReport: report,
    binaryReport,
  };
}

/** Longest name or string the banner prints whole. */
const BANNER_FIELD = 80;

/** A text for the banner: at most {@link BANNER_FIELD} characters. */
function field(text: string): string {
  return text.length > BANNER_FIELD ? `${text.slice(0, BANNER_FIELD)}… (${text.length} characters)` : text;
}

/** One GPU for the banner; memory nvidia-smi did not report is "unknown", the same in every file. */
function describeGpu(g: GpuInfo): string {
  const mem =
    g.memoryFreeMiB === null
      ? `free memory unknown${g.memoryTotalMiB === null ? "" : ` of ${g.memoryTotalMiB} MiB`} (nvidia-smi did not report it)`
      : `${g.memoryFreeMiB}/${g.memoryTotalMiB ?? "?"} MiB free`;
  return `#${g.index} ${field(g.name)} ${mem}`;
}

/** One short line for humans: GPUs, model, binary, and the choice. */
export function banner(plan: WorkerPlan, gpu: GpuReport): string {
  const gpus =
    gpu.gpus.length > 0
      ? gpu.gpus.map(describeGpu).join(", ") +
        (gpu.cudaVersion ? ` (driver ${gpu.gpus[0].driverVersion}, CUDA ${gpu.cudaVersion})` : "")
      : `none (${gpu.reason})`;
  const model = plan.modelReport.ok
    ? `${plan.modelReport.path} (${field(plan.modelReport.header?.architecture ?? "unknown architecture")}, GGUF v${plan.modelReport.header?.version})`
    : `${plan.modelReport.reason}`.replace(/^model /, "");
  const binary = plan.binaryReport.ok ? plan.binaryReport.path : plan.binaryReport.reason;
  return `worker-orcd-jest: ${plan.kind} worker (${plan.why})\n  GPU: ${gpus}\n  model: ${model}\n  binary: ${binary}`;
}
