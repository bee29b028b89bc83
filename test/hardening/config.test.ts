import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "@jest/globals";
import { ConfigError } from "../../src/client/errors";
import { envFlag } from "../../src/config/booleans";
import { resolveOptions } from "../../src/config/options";
import { pragmaWarnings } from "../../src/jest/pragmas";
import { matchers } from "../../src/matchers";
import { banner, planWorker } from "../../src/scope/plan";
import { MOCK_ENTRY } from "../../src/worker/command";
import { FixtureProject } from "../helpers/jest-run";
import { startMock, stopAllMocks } from "../helpers/mock";

expect.extend(matchers);
const projects: FixtureProject[] = [];
afterAll(async () => {
  await stopAllMocks();
  for (const p of projects) p.remove();
});

describe("boolean variables", () => {
  it("accepts the usual spellings in any case and rejects anything else naming the variable", () => {
    for (const yes of ["1", "true", "YES", "On", " yes "]) expect(envFlag({ V: yes }, "V")).toBe(true);
    for (const no of ["0", "false", "No", "OFF", ""]) expect(envFlag({ V: no }, "V")).toBe(false);
    expect(envFlag({}, "V")).toBe(false);
    expect(() => envFlag({ WORKER_ORCD_REQUIRE_GPU: "ye" }, "WORKER_ORCD_REQUIRE_GPU")).toThrow(
      'WORKER_ORCD_REQUIRE_GPU must be one of 1/true/yes/on or 0/false/no/off (any case), got "ye"',
    );
    expect(resolveOptions({}, undefined, "/", { WORKER_ORCD_REQUIRE_GPU: "yes" }).requireGpu).toBe(true);
    expect(() => resolveOptions({}, undefined, "/", { WORKER_ORCD_REQUIRE_GPU: "2" })).toThrow(ConfigError);
  });

  it("the mock rejects a bad WORKER_ORCD_MOCK_COMPAT with its usage", () => {
    const run = spawnSync(process.execPath, [MOCK_ENTRY, "--help"], {
      env: { ...process.env, WORKER_ORCD_MOCK_COMPAT: "maybe" },
      encoding: "utf8",
    });
    expect(run.status).toBe(0); // --help wins
    const bad = spawnSync(
      process.execPath,
      [MOCK_ENTRY, "--worker-id", "x", "--model", "mock", "--gpu-device", "0", "--port", "4000"],
      { env: { ...process.env, WORKER_ORCD_MOCK_COMPAT: "maybe" }, encoding: "utf8" },
    );
    expect(bad.status).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/WORKER_ORCD_MOCK_COMPAT must be one of 1\/true\/yes\/on/);
  });
});

describe("messages and options", () => {
  it("the banner names WORKER_ORCD_BIN=mock instead of 'no worker binary configured'", () => {
    const options = resolveOptions({}, undefined, "/", { WORKER_ORCD_BIN: "mock" });
    const plan = planWorker(options, { gpus: [], reason: "nvidia-smi not found" });
    expect(plan.kind).toBe("mock");
    const text = banner(plan, { gpus: [], reason: "nvidia-smi not found" });
    expect(text).toMatch(/binary: binary is "mock" \(from WORKER_ORCD_BIN\): the bundled mock worker/);
    expect(text).not.toMatch(/no worker binary configured/);
  });

  it("suggests the nearest option and the right pragma", () => {
    expect(() => resolveOptions({ startupTimeout: 5 }, undefined, "/")).toThrow(
      /unknown option testEnvironmentOptions.workerOrcd.startupTimeout \(did you mean `startupTimeoutMs`\?\)/,
    );
    expect(pragmaWarnings({ "require-gpu": "", "jest-environment": "node", flow: "" })).toEqual([
      "unknown pragma @require-gpu is ignored (did you mean @requires-gpu?)",
    ]);
    expect(pragmaWarnings({ requiresGpu: "" })).toHaveLength(1);
  });

  it("a matcher given a Promise asks 'did you forget await?', with .not too", async () => {
    const pending = Promise.resolve([]);
    expect(() => expect(pending).toHaveValidEventOrder()).toThrow(
      /Received a Promise, not its result: did you forget `await`\?/,
    );
    expect(() => expect(pending).not.toCompleteSuccessfully()).toThrow(/did you forget `await`/);
    expect(() => expect(pending).toBeHealthy()).toThrow(/did you forget `await`/);
  });

  it("worker-orcd-mock --help prints the usage on stdout and exits 0", () => {
    const run = spawnSync(process.execPath, [MOCK_ENTRY, "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: worker-orcd-mock \[--help\] --worker-id <uuid>/);
  });

  it("says a worker died before the request, and how long before, instead of 'during the request'", async () => {
    const w = await startMock();
    await w.client.shutdown();
    await w.whenExited();
    await new Promise((r) => setTimeout(r, 50));
    const error = (await w.client.health().catch((e) => e)) as Error;
    expect(error.name).toBe("WorkerExitedError");
    expect(error.message).toMatch(
      /the worker process exited with code 0 \d+ ms before this request was sent \(a clean exit: after shutdown\(\) or a signal\?\)/,
    );
  });
});

describe("per-file options decide per file", () => {
  it("a docblock overrides a config-level mode 'real'; realArgs never reach the mock; misspelled pragmas warn", async () => {
    const p = new FixtureProject({
      testEnvironmentOptions: { workerOrcd: { mode: "real", realArgs: ["--flash-attention"] } },
    });
    projects.push(p);
    p.write(
      "mock.test.js",
      `/**\n * @jest-environment-options {"workerOrcd": {"mode": "mock"}}\n * @require-gpu\n */\ntest("runs on the mock", async () => {\n  const events = await worker.execute({ job_id: "a", prompt: "hi", max_tokens: 2 });\n  expect(events).toCompleteSuccessfully();\n});\n`,
    );
    p.write("real.test.js", `test("needs a real worker", async () => {\n  await worker.health();\n});\n`);
    const result = await p.run();
    expect(result.out).toMatch(
      /note: files that do not override it in their docblock will fail: mode "real" needs a worker binary/,
    );
    expect(result.out).toMatch(/PASS \.\/mock\.test\.js/);
    expect(result.out).toMatch(/FAIL \.\/real\.test\.js/);
    expect(result.out).toMatch(/worker-orcd-jest configuration error: mode "real" needs a worker binary/);
    expect(result.out).toMatch(
      /mock\.test\.js: unknown pragma @require-gpu is ignored \(did you mean @requires-gpu\?\)/,
    );
    expect(result.out).toMatch(/Test Suites: +1 failed, 1 passed, 2 total/);
  });

  it("the banner shows the binary as configured, and a mode set by the environment fails every file", async () => {
    const p = new FixtureProject();
    projects.push(p);
    const bin = p.write(
      "bin/worker-orcd",
      `#!/bin/sh\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
      0o755,
    );
    p.write("a.test.js", `test("a", async () => { await worker.health(); });\n`);
    const set = await p.run([], { WORKER_ORCD_MODE: "real", WORKER_ORCD_BIN: bin });
    expect(set.out).toContain(`binary: ${bin}`);
    expect(set.out).not.toMatch(/no worker binary configured/);
    expect(set.out).toMatch(
      /note: every file will fail \(WORKER_ORCD_MODE sets the mode, and it wins over a docblock\): mode "real" needs a model/,
    );
    const missing = await p.run([], {
      WORKER_ORCD_MODE: "real",
      WORKER_ORCD_BIN: "/nonexistent/worker-orcd",
    });
    expect(missing.out).toMatch(/binary: worker binary \/nonexistent\/worker-orcd not found/);
  });
});
