import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { buildGgufHeader } from "../../src/checks/gguf";
import { MOCK_ENTRY } from "../../src/worker/command";
import { FixtureProject, fakeNvidiaSmi } from "../helpers/jest-run";

const projects: FixtureProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

/** A project with a fake model and a fake worker binary that records each start, then runs the mock. */
function gpuProject(config: Record<string, unknown> = {}): FixtureProject {
  const p = new FixtureProject(config);
  projects.push(p);
  p.write(
    ".test-models/qwen/qwen2.5-0.5b-instruct-q4_k_m.gguf",
    Buffer.concat([buildGgufHeader("qwen2"), Buffer.alloc(1 << 20)]),
  );
  p.write(
    "bin/worker-orcd",
    `#!/bin/sh\necho "$@" >> "${p.dir}/starts.log"\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
    0o755,
  );
  return p;
}

const GPU_FILE = `/**
 * @requires-gpu
 */
test("runs on the real worker", async () => {
  expect(worker.kind).toBe("real");
  const events = await worker.execute({ job_id: "g", prompt: "hi", max_tokens: 4 });
  expect(events).toCompleteSuccessfully();
});
test("second GPU test", () => {});
`;

const MIXED_FILE = `const { itGpu, describeGpu } = require(${JSON.stringify(join(__dirname, "..", "..", "dist"))});
test("plain test runs on whatever worker", async () => {
  expect(await worker.health()).toBeHealthy();
});
itGpu("needs a GPU", () => { throw new Error("must not run without a GPU"); });
describeGpu("GPU block", () => {
  test("inside", () => { throw new Error("must not run"); });
  test("inside too", () => {});
});
`;

describe("GPU checks and tagging", () => {
  it("with a GPU, model and binary present: banner, real worker, GPU tests run, devices spread over Jest workers", async () => {
    const p = gpuProject({ testEnvironmentOptions: { workerOrcd: { gpuDevice: [0, 1] } } });
    const smi = fakeNvidiaSmi(p, [
      "0, NVIDIA H100 80GB HBM3, 81559, 80000, 550.54",
      "1, NVIDIA H100 80GB HBM3, 81559, 79000, 550.54",
    ]);
    p.write("gpu.test.js", GPU_FILE);
    for (const n of [1, 2, 3, 4]) {
      p.write(
        `spread${n}.test.js`,
        `test("records device", async () => {
  await new Promise((r) => setTimeout(r, 300));
  require("node:fs").writeFileSync(__dirname + "/device-${n}.json", JSON.stringify({ device: worker.device, jest: process.env.JEST_WORKER_ID, log: worker.logs.find((l) => l.json && l.json.message === "Worker starting").json.gpu_device }));
});`,
      );
    }
    const result = await p.run(["--maxWorkers=2"], {
      PATH: `${smi}:${join(p.dir, "bin")}:${process.env.PATH}`,
    });
    expect(result.out).toMatch(/Tests: +6 passed, 6 total/);
    expect(result.out).toContain("worker-orcd-jest: real worker (auto: GPU, model and binary present)");
    expect(result.out).toContain(
      "GPU: #0 NVIDIA H100 80GB HBM3 80000/81559 MiB free, #1 NVIDIA H100 80GB HBM3 79000/81559 MiB free (driver 550.54, CUDA 12.4)",
    );
    expect(result.out).toMatch(/model: \S+qwen2.5-0.5b-instruct-q4_k_m.gguf \(qwen2, GGUF v3\)/);
    expect(result.out).toMatch(/binary: \S+bin\/worker-orcd/);
    const records = readdirSync(p.dir)
      .filter((f) => f.startsWith("device-"))
      .map((f) => JSON.parse(readFileSync(join(p.dir, f), "utf8")));
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(r.device).toBe((Number(r.jest) - 1) % 2);
      expect(r.log).toBe(r.device);
    }
    expect(new Set(records.map((r) => r.jest)).size).toBe(2);
    expect(readFileSync(join(p.dir, "starts.log"), "utf8")).toMatch(
      /--gpu-device [01] --port \d+ --callback-url/,
    );
  });

  it("without a GPU: a @requires-gpu file is skipped with its reason and starts no worker; itGpu/describeGpu too", async () => {
    const p = gpuProject();
    p.write("gpu.test.js", GPU_FILE);
    p.write("mixed.test.js", MIXED_FILE);
    const result = await p.run([], { PATH: `${join(p.dir, "bin")}:/usr/bin:/bin` });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      /worker-orcd-jest: gpu.test.js: skipped 2 GPU test\(s\): nvidia-smi not found/,
    );
    expect(result.out).toMatch(
      /worker-orcd-jest: mixed.test.js: skipped 3 GPU test\(s\): nvidia-smi not found/,
    );
    expect(result.out).toMatch(/Tests: +5 skipped, 1 passed, 6 total/);
    expect(existsSync(join(p.dir, "starts.log"))).toBe(false);
  });

  it("WORKER_ORCD_REQUIRE_GPU=1 turns every GPU skip into a failure with the same reason", async () => {
    const p = gpuProject();
    p.write("gpu.test.js", GPU_FILE);
    p.write("mixed.test.js", MIXED_FILE);
    const smi = fakeNvidiaSmi(p, []);
    p.write(
      "fake-gpu/nvidia-smi",
      "#!/bin/sh\necho 'Failed to initialize NVML: Driver/library version mismatch' >&2\nexit 18\n",
      0o755,
    );
    const result = await p.run([], {
      PATH: `${smi}:${join(p.dir, "bin")}:/usr/bin:/bin`,
      WORKER_ORCD_REQUIRE_GPU: "1",
    });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/Tests: +5 failed, 1 passed, 6 total/);
    expect(result.out).not.toMatch(/must not run/);
    expect(result.out).toMatch(
      /gpu.test.js is tagged @requires-gpu and cannot run, and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it: nvidia-smi failed \(exited with code 18\): Failed to initialize NVML: Driver\/library version mismatch/,
    );
    expect(result.out).toMatch(
      /GPU test cannot run and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it: nvidia-smi failed/,
    );
    expect(existsSync(join(p.dir, "starts.log"))).toBe(false);
  });

  it('mode "real" runs the configured binary whatever the GPU check found', async () => {
    const p = gpuProject({ testEnvironmentOptions: { workerOrcd: { mode: "real" } } });
    p.write(
      "real.test.js",
      `test("real", async () => { expect(worker.kind).toBe("real"); expect(await worker.health()).toBeHealthy(); });`,
    );
    const result = await p.run([], { PATH: `${join(p.dir, "bin")}:/usr/bin:/bin` });
    expect(result.out).toMatch(/Tests: +1 passed/);
    expect(result.out).toContain("real worker (mode is real)");
    expect(result.out).toMatch(/binary: \S+bin\/worker-orcd/);
  });

  it("a GPU whose free memory is too small for the model skips GPU tests with the shortfall", async () => {
    const p = gpuProject();
    const smi = fakeNvidiaSmi(p, ["0, Tiny GPU, 1024, 0, 550.54"]);
    p.write("gpu.test.js", GPU_FILE);
    const result = await p.run([], { PATH: `${smi}:${join(p.dir, "bin")}:${process.env.PATH}` });
    expect(result.out).toMatch(
      /skipped 2 GPU test\(s\): model needs about 2 MiB of VRAM, the GPU has 0 MiB free/,
    );
  });

  it('a hostile GGUF header in mode "real" is a clear configuration error', async () => {
    const p = gpuProject({ testEnvironmentOptions: { workerOrcd: { mode: "real", model: "./bad.gguf" } } });
    p.write(
      "bad.gguf",
      Buffer.concat([
        Buffer.from("GGUF"),
        Buffer.from([3, 0, 0, 0]),
        Buffer.alloc(8),
        Buffer.from([255, 255, 255, 255, 255, 255, 255, 127]),
      ]),
    );
    p.write("x.test.js", `test("x", () => {});`);
    const result = await p.run();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /worker-orcd-jest configuration error: workerOrcd.model \(from testEnvironmentOptions.workerOrcd\): corrupt GGUF header in \S+bad.gguf: \d+ metadata entries cannot fit in 24 bytes/,
    );
    expect(result.out).not.toMatch(/at planWorker/);
    expect(existsSync(join(p.dir, "starts.log"))).toBe(false);
  });
});
