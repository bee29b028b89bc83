import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { scopeProjects } from "../helpers/jest-run";

// Jest's fake timers (modern, legacy, enableGlobally) fake none of the package's measurements,
// and the package's own timers (request, idle) keep firing while a test's timers are fake. Real Jest runs.

const { project, remove } = scopeProjects();
afterAll(remove);

const FILE = `const fs = require("node:fs");
test("measures with the real clock while the test's timers are fake", async () => {
  const events = await worker.execute({ job_id: "slow-first", prompt: "hi", max_tokens: 3 });
  const first = events.find((e) => e.type === "token");
  fs.writeFileSync(__dirname + "/seen.json", JSON.stringify({ first: first.receivedAt, fake: typeof setTimeout.clock === "object" || jest.isMockFunction(setTimeout) }));
  expect(events).not.toHaveFirstTokenWithin(10);
  expect(events).toHaveFirstTokenWithin(5000);
});
test("the request timeout fires while the test's timers are fake", async () => {
  const error = await worker.execute({ job_id: "cut", prompt: "hi", max_tokens: 50 }, { timeoutMs: 400 }).catch((e) => e);
  expect(error.name).toBe("RequestTimeoutError");
});
`;

describe("Jest's fake timers do not fake the package's clocks", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["modern, jest.useFakeTimers()", {}, "beforeEach(() => jest.useFakeTimers());\n"],
    [
      "legacy, jest.useFakeTimers({ legacyFakeTimers: true })",
      {},
      "beforeEach(() => jest.useFakeTimers({ legacyFakeTimers: true }));\n",
    ],
    ["fakeTimers.enableGlobally", { fakeTimers: { enableGlobally: true } }, ""],
  ];
  it.each(cases)(
    "%s",
    async (_name, config, setup) => {
      const p = project(
        { mockArgs: ["--first-token-delay-ms", "300", "--token-interval-ms", "100", "--eos-after", "0"] },
        config,
      );
      p.write("fake.test.js", setup + FILE);
      p.write("out/.keep", "");
      const result = await p.run([], { WORKER_ORCD_REPORT_DIR: "out" });
      expect(result.out).toMatch(/Tests: +2 passed, 2 total/);
      const seen = JSON.parse(require("node:fs").readFileSync(join(p.dir, "seen.json"), "utf8"));
      expect(seen.fake).toBe(true); // the test's own timers really were fake
      expect(seen.first).toBeGreaterThan(0);
      const report = JSON.parse(
        require("node:fs").readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8"),
      );
      const ttft = report.files[0].jobs.find((j: { jobId: string }) => j.jobId === "slow-first").ttftMs;
      expect(ttft).toBeGreaterThanOrEqual(250);
    },
    60_000,
  );
});

describe("start-up is spawn to ready, not the test file's compile", () => {
  it("a mock whose readiness waited for ts-jest's compile is marked as an upper bound; one that did not wait is not", async () => {
    const p = project({ prestart: false }, { testSequencer: "./sequencer.js" });
    p.write("sequencer.js", require("../helpers/jest-run").NAME_ORDER_SEQUENCER);
    p.write("tsconfig.json", JSON.stringify({ compilerOptions: { strict: true, types: [] } }));
    // A TypeScript file that takes ts-jest a while to compile on a cache miss (--no-cache).
    const body = Array.from(
      { length: 300 },
      (_, k) => `export function f${k}(a: number): number { return a + ${k}; }`,
    );
    p.write(
      "a.test.ts",
      `${body.join("\n")}\ndeclare const worker: any;\ndeclare const test: any;\ntest("ts", async () => { await worker.health(); });\n`,
    );
    p.write("b.test.js", `test("js", async () => { await worker.health(); });\n`);
    const result = await p.run(["-i", "--no-cache"], { WORKER_ORCD_REPORT_DIR: "out" });
    expect(result.out).toMatch(/Tests: +2 passed, 2 total/);
    const report = JSON.parse(
      require("node:fs").readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8"),
    );
    const worker = (file: string) => report.files.find((f: { file: string }) => f.file === file).workers[0];
    // The compile blocked the wait for readiness: the figure is flagged as an upper bound.
    const a = worker("a.test.ts");
    expect(a.blockedMs).toBeGreaterThan(50);
    expect(a.blockedMs).toBeLessThanOrEqual(a.startupMs);
    expect(result.out).toMatch(/a\.test\.ts +mock +[\d.]+ ms\* /);
    const b = worker("b.test.js");
    // Whether babel-jest's cold start blocked b's wait too depends on the machine; the figure must say which.
    expect(result.out).toMatch(
      b.blockedMs === undefined ? /b\.test\.js +mock +[\d.]+ ms / : /b\.test\.js +mock +[\d.]+ ms\* /,
    );
  }, 90_000);
});
