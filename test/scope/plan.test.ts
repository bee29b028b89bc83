import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { buildGgufHeader } from "../../src/checks/gguf";
import type { GpuReport } from "../../src/checks/gpu";
import { resolveOptions } from "../../src/config/options";
import { banner, planWorker, workerStartOptions } from "../../src/scope/plan";

const root = mkdtempSync(join(tmpdir(), "plan-"));
writeFileSync(join(root, "model.gguf"), buildGgufHeader("qwen2"));
writeFileSync(join(root, "worker-orcd"), "#!/bin/sh\n");
chmodSync(join(root, "worker-orcd"), 0o755);

const gpu: GpuReport = {
  gpus: [{ index: 0, name: "H100", memoryTotalMiB: 81559, memoryFreeMiB: 80000, driverVersion: "550" }],
  cudaVersion: "12.4",
};
const noGpu: GpuReport = { gpus: [], reason: "nvidia-smi not found" };
const options = (raw: object, env: NodeJS.ProcessEnv = {}) => resolveOptions(raw, undefined, root, env);

// No worker-orcd on PATH, whatever this machine has.
const savedPath = process.env.PATH;
beforeAll(() => {
  process.env.PATH = "/nonexistent";
  // The model mode "llama" writes by default goes into this test's folder, removed with it.
  process.env.WORKER_ORCD_JEST_MODELS = join(root, "models");
});
afterAll(() => {
  process.env.PATH = savedPath;
  delete process.env.WORKER_ORCD_JEST_MODELS;
  rmSync(root, { recursive: true, force: true });
});
const full = { model: "model.gguf", binary: "worker-orcd" };

describe("planWorker", () => {
  it("mode llama: the mock with the llama engine on the configured model, else a written one; auto never picks it", () => {
    const withModel = planWorker(options({ ...full, mode: "llama", llamaThreads: 2 }), gpu);
    expect(withModel).toMatchObject({
      kind: "mock",
      binary: "mock",
      model: join(root, "model.gguf"),
      gpuReady: false,
    });
    expect(withModel.gpuSkipReason).toMatch(/mode is llama/);
    const start = workerStartOptions(withModel, options({ ...full, mode: "llama", llamaThreads: 2 }), root);
    expect(start.extraArgs).toEqual(expect.arrayContaining(["--engine", "llama", "--threads", "2"]));
    const written = planWorker(options({ mode: "llama" }), noGpu);
    expect(written.model).toMatch(/random-seed-0\.v1\.gguf$/);
    expect(written.modelReport).toMatchObject({ ok: true });
    expect(written.why).toMatch(/a written model/);
    expect(() => planWorker(options({ mode: "llama", model: "missing.gguf" }), noGpu)).toThrow(
      /mode "llama" needs a model llama\.cpp can read: workerOrcd\.model.*missing\.gguf/,
    );
    expect(() => options({ llamaThreads: 0 })).toThrow(/llamaThreads must be a whole number of threads/);
    expect(planWorker(options(full), gpu).kind).toBe("real");
    expect(workerStartOptions(planWorker(options(full), noGpu), options(full), root).extraArgs).not.toContain(
      "--engine",
    );
  });

  it("auto picks the real worker only when GPU, model and binary are all present", () => {
    expect(planWorker(options(full), gpu)).toMatchObject({
      kind: "real",
      gpuReady: true,
      binary: join(root, "worker-orcd"),
    });
    expect(planWorker(options(full), noGpu)).toMatchObject({
      kind: "mock",
      why: "auto: nvidia-smi not found",
      gpuReady: false,
    });
    expect(planWorker(options({ model: "model.gguf" }), gpu)).toMatchObject({
      kind: "mock",
      gpuSkipReason: "no worker binary configured (set WORKER_ORCD_BIN, or put worker-orcd on PATH)",
    });
  });

  it("names a configured device that nvidia-smi does not list", () => {
    expect(planWorker(options({ ...full, gpuDevice: 3 }), gpu).gpuSkipReason).toBe(
      "GPU 3 not found (nvidia-smi lists 0)",
    );
  });

  it("mock mode runs the mock with the configured model file; auto without a model runs it with 'mock'", () => {
    expect(planWorker(options({ ...full, mode: "mock" }), gpu)).toMatchObject({
      kind: "mock",
      model: join(root, "model.gguf"),
    });
    expect(planWorker(options({}), noGpu)).toMatchObject({ kind: "mock", model: "mock" });
  });

  it('mode "real" without a binary or a model is a configuration error', () => {
    expect(() => planWorker(options({ mode: "real", model: "model.gguf" }), gpu)).toThrow(
      'mode "real" needs a worker binary: no worker binary configured (set WORKER_ORCD_BIN, or put worker-orcd on PATH)',
    );
    expect(() => planWorker(options({ mode: "real", binary: "worker-orcd" }), gpu)).toThrow(
      /mode "real" needs a model: model \S+ not found/,
    );
  });

  it("a configured binary that does not exist names its source", () => {
    expect(() =>
      planWorker(options({ model: "model.gguf" }, { WORKER_ORCD_BIN: "/no/worker" }), gpu),
    ).toThrow("workerOrcd.binary (from WORKER_ORCD_BIN): worker binary /no/worker not found");
  });

  it("the banner says which GPU, model, binary, and why", () => {
    const text = banner(planWorker(options(full), gpu), gpu);
    expect(text).toBe(
      [
        "worker-orcd-jest: real worker (auto: GPU, model and binary present)",
        "  GPU: #0 H100 80000/81559 MiB free (driver 550, CUDA 12.4)",
        `  model: ${join(root, "model.gguf")} (qwen2, GGUF v3)`,
        `  binary: ${join(root, "worker-orcd")}`,
      ].join("\n"),
    );
  });
});
