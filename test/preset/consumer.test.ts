import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { REPO, runJest } from "../helpers/jest-run";

/**
 * The package as a user gets it: `npm pack`, installed from the tarball into
 * a fresh project whose whole Jest config is `{ preset: "worker-orcd-jest" }`.
 */
const dir = mkdtempSync(join(tmpdir(), "wojest-consumer-"));
const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error" },
    stdio: "pipe",
  });

/** Jest as installed in the consumer project. */
const jestIn = (env: Record<string, string> = {}) =>
  runJest(dir, [], env, join(dir, "node_modules", "jest", "bin", "jest.js"));

beforeAll(() => {
  npm(["pack", "--pack-destination", dir], REPO);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, version: "1.0.0" }),
  );
  writeFileSync(join(dir, "jest.config.js"), 'module.exports = { preset: "worker-orcd-jest" };\n');
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        esModuleInterop: true,
        target: "ES2022",
        module: "commonjs",
        types: ["jest", "node"],
      },
    }),
  );
  writeFileSync(
    join(dir, "worker.test.ts"),
    `import { makeTestRequest, TestConfig, TestModel, TestPrompts, WorkerTestHarness } from "worker-orcd-jest";

describe("a consumer project", () => {
  it("uses the global worker, the fixtures and the matchers", async () => {
    const events = await worker.execute(makeTestRequest("job-1", TestPrompts.simple(), 5));
    expect(events).toHaveValidEventOrder();
    expect(events).toCompleteSuccessfully();
    expect(events).toHaveTokenCount(5);
    expect(await worker.health()).toBeHealthy();
    expect(worker.kind).toBe("mock");
    expect(TestModel.qwen2_5_0_5b().vocabSize).toBe(151936);
    expect(TestConfig.fast.maxTokens).toBeLessThan(TestConfig.long.maxTokens);
  });

  it("starts an extra mock worker with await using", async () => {
    await using extra = await WorkerTestHarness.startMock({ compat: true });
    const events = await extra.execute(makeTestRequest("job-2", TestPrompts.short(), 3));
    expect(events).toHaveStopReason("max_tokens");
  });
});
`,
  );
  writeFileSync(
    join(dir, "gpu.test.ts"),
    `/** @requires-gpu */\ntest("needs the real model", async () => {\n  await worker.health();\n});\n`,
  );
  npm(
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      `./${tarball}`,
      "@types/jest@30",
      "@types/node@20",
    ],
    dir,
  );
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the installed package", () => {
  it("runs a TypeScript test file with only { preset: 'worker-orcd-jest' }, and skips the GPU file with its reason", async () => {
    const result = await jestIn();
    expect(result.out).toMatch(/PASS \.\/worker\.test\.ts/);
    expect(result.out).toMatch(
      /worker-orcd-jest: gpu.test.ts: skipped 1 GPU test\(s\): nvidia-smi not found/,
    );
    expect(result.out).toMatch(/Tests: +1 skipped, 2 passed, 3 total/);
    expect(result.code).toBe(0);
  }, 120_000);

  it("installs the worker-orcd-mock bin", () => {
    const bin = join(dir, "node_modules", ".bin", "worker-orcd-mock");
    const result = spawnSync(bin, ["--model", "mock"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--worker-id is required/);
    expect(result.stderr).toMatch(
      /usage: worker-orcd-mock \[--help\] --worker-id <uuid> --model <path.gguf\|mock>/,
    );
  });

  it("fails the GPU file with WORKER_ORCD_REQUIRE_GPU=1", async () => {
    const result = await jestIn({ WORKER_ORCD_REQUIRE_GPU: "1" });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /gpu.test.ts is tagged @requires-gpu and cannot run, and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it/,
    );
  }, 120_000);
});
