import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { ConfigError } from "../../src/config/options";
import { WorkerTestHarness } from "../../src/harness/worker-test-harness";
import { isAlive } from "../../src/worker/processes";
import { FixtureProject, fakeWorkerBinary, REPO } from "../helpers/jest-run";

const projects: FixtureProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

describe("WorkerTestHarness", () => {
  it("start() runs a given real binary; startMock() passes compat, faults and pace", async () => {
    const p = new FixtureProject();
    projects.push(p);
    const real = await WorkerTestHarness.start({ binary: fakeWorkerBinary(p), model: "mock", gpuDevice: 0 });
    try {
      expect(await real.health()).toMatchObject({ status: "healthy" });
      expect(real.baseUrl).toBe(`http://127.0.0.1:${real.port}`);
    } finally {
      await real.stop();
    }
    expect(isAlive(-real.pid)).toBe(false);
    const mock = await WorkerTestHarness.startMock({
      compat: true,
      faults: ["inference-failed"],
      tokenIntervalMs: 0,
    });
    try {
      const events = await mock.execute({ job_id: "h", prompt: "x", max_tokens: 2 });
      expect(events).toEqual([
        { type: "error", code: "INFERENCE_FAILED", message: "inference failed before start" },
      ]);
      expect(mock.logTail(50).join("\n")).toContain("Worker starting");
    } finally {
      await mock[Symbol.asyncDispose]();
    }
    expect(isAlive(-mock.pid)).toBe(false);
  });

  it("start() without a binary says how to give one", async () => {
    const saved = process.env.WORKER_ORCD_BIN;
    delete process.env.WORKER_ORCD_BIN;
    try {
      await expect(WorkerTestHarness.start({ model: "mock" })).rejects.toThrow(ConfigError);
      await expect(WorkerTestHarness.start({ model: "mock" })).rejects.toThrow(
        /needs a worker binary: pass \{ binary \}, set WORKER_ORCD_BIN/,
      );
    } finally {
      if (saved !== undefined) process.env.WORKER_ORCD_BIN = saved;
    }
  });

  it("checks its options as the preset does: range, type, unknown with did you mean", async () => {
    await expect(WorkerTestHarness.startMock({ tokenIntervalMs: -1 })).rejects.toThrow(
      "WorkerTestHarness.startMock: tokenIntervalMs must be a number of milliseconds >= 0, got -1",
    );
    await expect(
      WorkerTestHarness.startMock({ tokenInterval: 5 } as unknown as Parameters<
        typeof WorkerTestHarness.startMock
      >[0]),
    ).rejects.toThrow(/unknown option tokenInterval \(did you mean `tokenIntervalMs`\?\)/);
    await expect(WorkerTestHarness.startMock({ faults: ["nope" as never] })).rejects.toThrow(
      /faults has an unknown fault mode "nope"; known: crash-mid-stream/,
    );
    await expect(WorkerTestHarness.start({ binary: "mock", gpuDevice: -1 })).rejects.toThrow(ConfigError);
    await expect(
      WorkerTestHarness.start({ binary: "mock", startupTimeoutMs: "5s" as never }),
    ).rejects.toThrow(/WorkerTestHarness.start: startupTimeoutMs must be a number of milliseconds/);
  });

  it('start({ binary: "mock" }) runs the mock without a model file', async () => {
    const h = await WorkerTestHarness.start({ binary: "mock" });
    try {
      expect(await h.health()).toMatchObject({ status: "healthy" });
    } finally {
      await h.stop();
    }
  });

  it("a harness a test forgot is stopped at the file's teardown", async () => {
    const p = new FixtureProject({ globalTeardown: "<rootDir>/check-teardown.js" });
    projects.push(p);
    p.write(
      "forgot.test.js",
      `const { WorkerTestHarness } = require(${JSON.stringify(join(REPO, "dist"))});
test("starts a harness and forgets it", async () => {
  const h = await WorkerTestHarness.startMock();
  require("node:fs").writeFileSync(__dirname + "/harness.pid", String(h.pid));
  expect(await h.health()).toBeHealthy();
});`,
    );
    // Runs after every file's teardown, before Jest exits (so before any watchdog could act).
    p.write(
      "check-teardown.js",
      `module.exports = async () => {
  await require(${JSON.stringify(join(REPO, "dist", "jest", "global-teardown.js"))}).default();
  const pid = Number(require("node:fs").readFileSync(__dirname + "/harness.pid", "utf8"));
  let alive = true;
  try { process.kill(-pid, 0); } catch { alive = false; }
  require("node:fs").writeFileSync(__dirname + "/after-teardown", alive ? "alive" : "gone");
};`,
    );
    const result = await p.run(["--runInBand"]);
    expect(result.out).toMatch(/Tests: +1 passed/);
    expect(readFileSync(join(p.dir, "after-teardown"), "utf8")).toBe("gone");
  });
});
