import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { buildGgufHeader } from "../../src/checks/gguf";
import { MOCK_ENTRY } from "../../src/worker/command";
import { FixtureProject } from "../helpers/jest-run";

const projects: FixtureProject[] = [];
const project = (config: Record<string, unknown> = {}) => {
  const p = new FixtureProject(config);
  projects.push(p);
  return p;
};
afterAll(() => {
  for (const p of projects) p.remove();
});

const recordFile = (name: string) => `
const { writeFileSync } = require("node:fs");
test("records its worker", async () => {
  const events = await worker.execute({ job_id: "${name}", prompt: "hi", max_tokens: 3 });
  expect(events).toHaveValidEventOrder();
  expect(await worker.health()).toBeHealthy();
  writeFileSync(__dirname + "/${name}.json", JSON.stringify({
    pid: worker.pid, port: worker.port, baseUrl: worker.baseUrl, workerId: worker.workerId, kind: worker.kind,
    callback: worker.callback, startupMs: worker.startupMs, logs: worker.logs.length, tail: worker.logTail(2).length,
  }));
});
`;

describe("the preset's environment", () => {
  it("gives every file its own ready worker and the global worker, and leaves nothing running", async () => {
    const p = project({ testEnvironmentOptions: { workerOrcd: { startupTimeoutMs: 20000 } } });
    p.write("a.test.js", recordFile("a"));
    p.write("b.test.js", recordFile("b"));
    const result = await p.run(["--maxWorkers=2"]);
    expect(result.out).toMatch(/Tests: +2 passed, 2 total/);
    expect(result.out).toMatch(/worker-orcd-jest: mock worker \(auto: nvidia-smi not found\)/);
    const a = JSON.parse(readFileSync(join(p.dir, "a.json"), "utf8"));
    const b = JSON.parse(readFileSync(join(p.dir, "b.json"), "utf8"));
    expect(a.port).not.toBe(b.port);
    expect(a.pid).not.toBe(b.pid);
    expect(a).toMatchObject({ kind: "mock", baseUrl: `http://127.0.0.1:${a.port}`, tail: 2 });
    expect(a.callback).toEqual({
      worker_id: a.workerId,
      vram_bytes: expect.any(Number),
      uri: `http://localhost:${a.port}`,
    });
    expect(a.startupMs).toBeGreaterThan(0);
    expect(await p.survivors()).toEqual([]);
  });

  it("merges docblock options field by field, lets environment variables win, and passes its environment on", async () => {
    const p = project({
      testEnvironmentOptions: {
        workerOrcd: {
          mode: "real",
          mockArgs: ["--eos-after", "2"],
          env: { WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS: "0" },
        },
      },
    });
    p.write(
      "merge.test.js",
      `/** @jest-environment-options {"workerOrcd": {"startupTimeoutMs": 15000, "env": {"WORKER_ORCD_MOCK_FIRST_TOKEN_DELAY_MS": "1"}}} */
test("config mockArgs survive the docblock; the user's own variables reach the worker", async () => {
  const events = await worker.execute({ job_id: "m", prompt: "hi", max_tokens: 10 });
  expect(worker.kind).toBe("mock");
  expect(events).toHaveTokenCount(2);
  expect(events).toHaveStopReason("max_tokens");
  expect(events.at(-1).stop_reason).toBe("MAX_TOKENS");
});`,
    );
    const result = await p.run([], { WORKER_ORCD_MODE: "mock", WORKER_ORCD_MOCK_COMPAT: "1" });
    expect(result.out).toMatch(/Tests: +1 passed/);
  });

  it("fails a file with a clear configuration error naming the option, without a stack trace", async () => {
    const p = project();
    p.write(
      "unknown.test.js",
      `/** @jest-environment-options {"workerOrcd": {"startupTimeout": 5}} */\ntest("x", () => {});`,
    );
    p.write(
      "type.test.js",
      `/** @jest-environment-options {"workerOrcd": {"shutdownGraceMs": "soon"}} */\ntest("x", () => {});`,
    );
    p.write(
      "model.test.js",
      `/** @jest-environment-options {"workerOrcd": {"model": "/no/such/model.gguf"}} */\ntest("x", () => {});`,
    );
    const result = await p.run();
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /unknown option @jest-environment-options workerOrcd.startupTimeout \(did you mean `startupTimeoutMs`\?\); known options: binary, model, gpuDevice/,
    );
    expect(result.out).toMatch(
      /@jest-environment-options workerOrcd.shutdownGraceMs must be a number of milliseconds from 1 to 2147483647, got "soon"/,
    );
    expect(result.out).toMatch(
      /workerOrcd.model \(from @jest-environment-options workerOrcd\): model \/no\/such\/model.gguf not found; point it at a readable .gguf file/,
    );
    expect(result.out).not.toMatch(/at WorkerOrcdEnvironment/);
    expect(result.out).not.toMatch(/at resolveOptions/);
  });

  it("fails every test of a file whose worker cannot start, with the command, exit, wait and log tail", async () => {
    const p = project({
      testEnvironmentOptions: { workerOrcd: { startupTimeoutMs: 500, shutdownGraceMs: 300 } },
    });
    p.write(
      "cuda.test.js",
      `/** @jest-environment-options {"workerOrcd": {"env": {"WORKER_ORCD_MOCK_FAULT": "exit-cuda"}}} */
test("one", () => {});
test("two", () => {});`,
    );
    p.write(
      "hang.test.js",
      `/** @jest-environment-options {"workerOrcd": {"env": {"WORKER_ORCD_MOCK_FAULT": "never-ready"}}} */
beforeAll(() => worker.health());
test("one", () => {});`,
    );
    const result = await p.run();
    expect(result.out).toMatch(/Tests: +3 failed, 3 total/);
    expect(result.out).toMatch(
      /could not start the mock worker for cuda.test.js: worker exited before it was ready \(after \d+ ms\)/,
    );
    expect(result.out).toMatch(
      /command: \S+node \S+cli.js --worker-id [0-9a-f-]+ --model mock --gpu-device 0 --port \d+/,
    );
    expect(result.out).toMatch(/process: exited with code 1/);
    expect(result.out).toMatch(/waited: \d+ ms/);
    expect(result.out).toMatch(/\[stderr\] CUDA error at cuda_init.cpp:42/);
    expect(result.out).toMatch(
      /could not start the mock worker for hang.test.js: worker was not ready within 500 ms \(startupTimeoutMs\)/,
    );
    expect(await p.survivors()).toEqual([]);
  });

  it("fails the test during which the worker dies, then explains later calls", async () => {
    const p = project();
    p.write(
      "crash.test.js",
      `/** @jest-environment-options {"workerOrcd": {"env": {"WORKER_ORCD_MOCK_FAULT": "crash-mid-stream:2"}}} */
test("the crash", async () => {
  await worker.execute({ job_id: "c", prompt: "hi", max_tokens: 10 }).catch(() => undefined);
});
test("after the crash", async () => {
  await worker.health();
});`,
    );
    const result = await p.run();
    expect(result.out).toMatch(/Tests: +2 failed, 2 total/);
    expect(result.out).toMatch(/the worker process was killed by signal SIGKILL during this test/);
    expect(result.out).toMatch(/GET http:\/\/127.0.0.1:\d+\/health failed/);
    expect(result.out).toMatch(/illegal memory access/);
  });

  it("works with --shard, each shard running its own global setup", async () => {
    const p = project();
    for (const n of ["a", "b", "c"]) p.write(`${n}.test.js`, recordFile(n));
    const first = await p.run(["--shard=1/2"]);
    const second = await p.run(["--shard=2/2"]);
    const total = (out: string) => Number(/Tests: +(\d+) passed/.exec(out)?.[1] ?? 0);
    expect(total(first.out) + total(second.out)).toBe(3);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
  });

  it("works as a plain testEnvironment without the preset's global setup", async () => {
    const dist = join(__dirname, "..", "..", "dist", "jest");
    const p = project({
      preset: undefined,
      testEnvironment: join(dist, "environment.js"),
      setupFilesAfterEnv: [join(dist, "setup-after-env.js")],
    });
    p.write("plain.test.js", recordFile("plain"));
    const result = await p.run();
    expect(result.out).toMatch(/Tests: +1 passed/);
    expect(result.out).not.toMatch(/worker-orcd-jest: mock worker/); // no banner: global setup did not run
  });

  it("starts no worker for a file whose tests are all skipped, and honours -t", async () => {
    const p = project({
      testEnvironmentOptions: {
        workerOrcd: { binary: "./bin/recording-worker", model: "./m.gguf", mode: "real" },
      },
    });
    p.write("m.gguf", buildGgufHeader("qwen2"));
    p.write(
      "bin/recording-worker",
      `#!/bin/sh\necho "$@" >> "${p.dir}/invoked"\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
      0o755,
    );
    p.write("skip.test.js", `test.skip("skipped", () => {});\ntest.todo("later");`);
    p.write(
      "filtered.test.js",
      `test("other", () => {});\ntest("wanted", () => expect(worker.kind).toBe("real"));`,
    );
    const result = await p.run(["-t", "wanted"]);
    expect(result.out).toMatch(/Tests: +3 skipped, 1 passed, 4 total/);
    const invoked = readFileSync(join(p.dir, "invoked"), "utf8").trim().split("\n");
    expect(invoked).toHaveLength(1);
    expect(invoked[0]).toMatch(/--model \S+m.gguf --gpu-device 0/);
  });
});
