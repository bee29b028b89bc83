import type { CallOptions, RawCallOptions, RawRequestOptions, WorkerClient } from "../client/worker-client";
import { ConfigError } from "../config/options";
import { writtenDefaultModel } from "../gguf/default-model";
import type { FaultMode } from "../mock/faults";
import type { MockScript } from "../mock/script";
import type { ExecuteRequest } from "../protocol/request";
import { getHandle } from "../run/handle";
import { noteHarnessStarted } from "../run/state";
import type { CleanStop } from "../worker/clean-stop";
import type { StopReport } from "../worker/stop-tree";
import { WorkerProcess, type WorkerStartOptions } from "../worker/worker-process";
import { checkMockOptions, checkStartOptions } from "./options";

/** Options of {@link WorkerTestHarness.start}: any worker start option; binary and model default to the preset's. */
export type HarnessOptions = Partial<WorkerStartOptions>;

/** Options of {@link WorkerTestHarness.startMock}. */
export interface MockHarnessOptions extends Partial<Omit<WorkerStartOptions, "binary">> {
  /** Behave like the last real builds. */
  compat?: boolean;
  /** Fault modes (see the README), e.g. `["crash-mid-stream:5"]`. */
  faults?: (FaultMode | `${FaultMode}:${number}`)[];
  tokenIntervalMs?: number;
  firstTokenDelayMs?: number;
  loadTimeMs?: number;
  /** End with `eos` after this many tokens; 0 = never. */
  eosAfter?: number;
  /** A `metrics` event every this many tokens; 0 = none. Default 16. */
  metricsEvery?: number;
  /** Tokens and ending of every job (a request's `mockScript()` header wins). */
  script?: MockScript;
  /**
   * `"llama"`: real tokens from llama.cpp over `model` (a .gguf path; default
   * a small written one), through node-llama-cpp, which must be installed.
   * Default `"fixed"`, the mock's own tokens.
   */
  engine?: "fixed" | "llama";
  /** Llama engine: CPU threads. Default 1. */
  threads?: number;
}

/**
 * An extra worker inside a test, beside the file's own: the same client
 * methods, `stop()`, and `await using` support. One left running is stopped
 * at the file's teardown.
 */
export class WorkerTestHarness {
  private constructor(
    /** The worker process. */
    readonly process: WorkerProcess,
  ) {}

  /** Starts a real worker; binary, model, device and timeouts default to the preset's configuration. */
  static async start(options: HarnessOptions = {}): Promise<WorkerTestHarness> {
    checkStartOptions(options);
    const defaults = getHandle()?.realDefaults;
    const binary = options.binary ?? defaults?.binary ?? process.env.WORKER_ORCD_BIN;
    if (!binary) {
      throw new ConfigError(
        "WorkerTestHarness.start needs a worker binary: pass { binary }, set WORKER_ORCD_BIN, or use WorkerTestHarness.startMock()",
      );
    }
    // The bundled mock needs no model file: the preset's default path is the real worker's.
    const model = options.model ?? (binary === "mock" ? "mock" : defaults?.model);
    if (!model)
      throw new ConfigError("WorkerTestHarness.start needs a model: pass { model } or set WORKER_ORCD_MODEL");
    return WorkerTestHarness.launch({
      ...defaults,
      ...options,
      binary,
      model,
      gpuDevice: options.gpuDevice ?? defaults?.gpuDevice ?? 0,
    });
  }

  /** Starts a mock worker. */
  static async startMock(options: MockHarnessOptions = {}): Promise<WorkerTestHarness> {
    checkMockOptions(options);
    const {
      compat,
      faults,
      tokenIntervalMs,
      firstTokenDelayMs,
      loadTimeMs,
      eosAfter,
      metricsEvery,
      script,
      engine,
      threads,
      ...rest
    } = options;
    const args: string[] = [];
    if (engine === "llama") args.push("--engine", "llama");
    if (script) args.push("--script", JSON.stringify(script));
    if (compat) args.push("--compat");
    if (faults?.length) args.push("--fault", faults.join(","));
    const flag = (name: string, value: number | undefined) =>
      value !== undefined && args.push(name, String(value));
    flag("--token-interval-ms", tokenIntervalMs);
    flag("--first-token-delay-ms", firstTokenDelayMs);
    flag("--load-time-ms", loadTimeMs);
    flag("--eos-after", eosAfter);
    flag("--metrics-every", metricsEvery);
    flag("--threads", threads);
    return WorkerTestHarness.launch({
      startupTimeoutMs: engine === "llama" ? 60_000 : 10_000,
      shutdownGraceMs: 2_000,
      model: rest.model ?? (engine === "llama" ? writtenDefaultModel() : "mock"),
      gpuDevice: 0,
      ...rest,
      binary: "mock",
      extraArgs: [...args, ...(rest.extraArgs ?? [])],
    });
  }

  private static async launch(options: WorkerStartOptions): Promise<WorkerTestHarness> {
    const harness = new WorkerTestHarness(await WorkerProcess.start({ jobs: getHandle()?.jobs, ...options }));
    noteHarnessStarted();
    getHandle()?.harnesses.push(harness);
    return harness;
  }

  /** Client bound to this worker. */
  get client(): WorkerClient {
    return this.process.client;
  }
  /** `http://127.0.0.1:<port>`. */
  get baseUrl(): string {
    return this.process.baseUrl;
  }
  /** The port the worker serves on. */
  get port(): number {
    return this.process.port;
  }
  /** Process id (also its process group id). */
  get pid(): number {
    return this.process.pid;
  }
  /** The `--worker-id` it was started with. */
  get workerId(): string {
    return this.process.workerId;
  }
  /** The last `n` output lines. */
  logTail(n = 20): string[] {
    return this.process.logs.tail(n);
  }

  /** See {@link WorkerClient.execute}. */
  execute(request: ExecuteRequest, options?: CallOptions) {
    return this.client.execute(request, options);
  }
  /** See {@link WorkerClient.stream}. */
  stream(request: ExecuteRequest, options?: CallOptions) {
    return this.client.stream(request, options);
  }
  /** See {@link WorkerClient.executeRaw}. */
  executeRaw(body: unknown, options?: RawCallOptions) {
    return this.client.executeRaw(body, options);
  }
  /** See {@link WorkerClient.health}. */
  health(options?: CallOptions) {
    return this.client.health(options);
  }
  /** See {@link WorkerClient.cancel}. */
  cancel(jobId: string, options?: CallOptions) {
    return this.client.cancel(jobId, options);
  }
  /** See {@link WorkerClient.shutdown}. */
  shutdown(options?: CallOptions) {
    return this.client.shutdown(options);
  }
  /** See {@link WorkerClient.metrics}. */
  metrics(options?: CallOptions) {
    return this.client.metrics(options);
  }
  /** See {@link WorkerClient.raw}. */
  raw(method: string, path: string, options?: RawRequestOptions) {
    return this.client.raw(method, path, options);
  }
  /** See {@link WorkerClient.healthRaw}. */
  healthRaw(options?: CallOptions) {
    return this.client.healthRaw(options);
  }

  /**
   * Stops the worker and its process tree, measuring how cleanly it went:
   * SIGTERM to the worker's own process, then what was left of its tree
   * (see {@link CleanStop}; `expect(harness).toHaveStoppedCleanly()` judges
   * it). Idempotent: a second call returns the first stop's report.
   */
  async stop(): Promise<StopReport | CleanStop> {
    const report = await this.process.stopMeasured();
    this.stopped = report;
    return report;
  }

  /** What the harness's stop measured, once {@link stop} has resolved; undefined before. */
  get lastStop(): StopReport | CleanStop | undefined {
    return this.stopped;
  }
  private stopped?: StopReport | CleanStop;

  /** `await using harness = await WorkerTestHarness.startMock()` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
