/**
 * worker-orcd-jest: Jest preset, matchers and mock worker for end-to-end
 * tests of worker-orcd. See the README for the tour.
 */
export * from "./assertions";
export { GgufError, type GgufHeader, readGgufHeader } from "./checks/gguf";
export { detectGpus, type GpuInfo, type GpuReport } from "./checks/gpu";
export * from "./client";
export * from "./config/options";
export * from "./fixtures";
export {
  buildLlamaModel,
  type LlamaModelSpec,
  ModelSpecError,
  type WrittenModel,
  writeLlamaModel,
} from "./gguf/llama-model";
export {
  type HarnessOptions,
  type MockHarnessOptions,
  WorkerTestHarness,
} from "./harness/worker-test-harness";
export { describeGpu, itGpu } from "./jest/gpu-tests";
export { matchers } from "./matchers";
export type { TokenCountExpectation } from "./matchers/rules";
export type { DeterminismOptions } from "./matchers/toBeDeterministic";
export type { CleanStopBounds } from "./matchers/toHaveStoppedCleanly";
export type { StallBounds } from "./matchers/toStreamWithoutStalls";
export type { WorkerOrcdMatchers } from "./matchers/types";
export { FAULT_MODES, type FaultMode } from "./mock/faults";
export { MOCK_SCRIPT_HEADER, type MockScript, mockScript } from "./mock/script";
export * from "./protocol";
export { describeEvents, type TimelineOptions } from "./protocol/timeline";
export {
  type Comparison,
  compareWithBaseline,
  DEFAULT_TOLERANCES,
  type GateResult,
  type Tolerances,
} from "./report/baseline";
export { type Metrics, metricsOf, type SloBounds, sloMisses } from "./report/metrics";
export type { FileRecord, JobRecord, RunReport, WorkerRecord } from "./report/types";
export type { EnvironmentHandle, GpuStatus } from "./run/handle";
export { gpuStatus } from "./runner/gpu-status";
export type { WorkerGlobal } from "./runner/worker-global";
export type { CleanStop, Survivor } from "./worker/clean-stop";
export { WorkerExitedError, WorkerStartupError } from "./worker/errors";
export type { LogLine } from "./worker/log-buffer";
export type { StopReport } from "./worker/stop-tree";
export { WorkerProcess, type WorkerStartOptions } from "./worker/worker-process";

import "./typings";
