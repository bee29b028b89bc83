import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { reportMain } from "../../src/report/cli";
import { workerRows, workersMain } from "../../src/scope/pool/workers-cli";
import { isAlive } from "../../src/worker/processes";
import { FixtureProject, REPO } from "../helpers/jest-run";
import { startMock } from "../helpers/mock";
import { VitestProject } from "../helpers/vitest-run";
import { waitFor } from "../helpers/wait";

// The package under Vitest: a project with the plugin, run by Vitest as a child, against real mock processes.

const made: FixtureProject[] = [];
const project = (
  options: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
  report?: Record<string, unknown>,
) => {
  const p = new VitestProject(options, config, report);
  made.push(p);
  return p;
};
afterAll(() => {
  for (const p of made) p.remove();
});

/** A Vitest file whose test notes the worker it got (pid, URL), after a call, holding it `holdMs`. */
const NOTING = (name: string, holdMs = 0) => `import { appendFileSync } from "node:fs";
import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test("${name}", async () => {
  expect(await worker.execute({ job_id: "${name}", prompt: "hi", max_tokens: 3 })).toCompleteSuccessfully();
  appendFileSync(new URL("./seen", import.meta.url), JSON.stringify({ pid: worker.kind === "attached" ? 0 : worker.pid, url: worker.baseUrl }) + "\\n");
  await new Promise((r) => setTimeout(r, ${holdMs}));
});
`;
const seenIn = (p: FixtureProject): { pid: number; url: string }[] =>
  readFileSync(join(p.dir, "seen"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));

const PASSING = `import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test("streams from the file's worker", async () => {
  const events = await worker.execute({ job_id: "j1", prompt: "hi", max_tokens: 5 });
  expect(events).toHaveValidEventOrder();
  expect(events).toCompleteSuccessfully();
  require("node:fs").appendFileSync(new URL("./seen", import.meta.url), worker.pid + "\\n");
});
test("the worker as a fixture is the same worker", async ({ worker: fixture }) => {
  expect(await fixture.health()).toBeHealthy();
  expect(fixture.pid).toBe(worker.pid);
});
`.replace('require("node:fs")', '(await import("node:fs"))');

describe("worker-orcd-jest under Vitest", () => {
  it("gives each file its worker (import and fixture), registers the matchers, prints the banner and the summary, exits 0", async () => {
    const p = project({ mode: "mock" });
    p.write("a.test.js", PASSING);
    p.write("b.test.js", PASSING);
    const r = await p.run();
    expect(r.out).toMatch(/worker-orcd-jest: mock worker \(mode is mock\)/);
    expect(r.out).toMatch(/Tests +4 passed \(4\)/);
    expect(r.out).toMatch(/worker-orcd-jest: scope "file": 2 worker\(s\) started for 2 file\(s\)\n/);
    expect(r.code).toBe(0);
    const pids = readFileSync(join(p.dir, "seen"), "utf8").trim().split("\n").map(Number);
    expect(new Set(pids).size).toBe(2);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it.each([
    [
      "forks, isolated (Vitest's default): a worker per file",
      { mode: "mock" },
      {},
      /scope "file": 3 worker\(s\) started for 3 file\(s\)\n/,
    ],
    [
      "threads: a worker per file",
      { mode: "mock" },
      { pool: "threads" },
      /scope "file": 3 worker\(s\) started for 3 file\(s\)\n/,
    ],
    [
      'scope "file" with isolate false: the next file\'s mock started ahead while a file runs, as under Jest',
      { mode: "mock" },
      { pool: "forks", isolate: false, maxWorkers: 1 },
      /scope "file": \d+ worker\(s\) started for 3 file\(s\) \(2 got one started ahead/,
    ],
    [
      'scope "process" with isolate false: one worker handed from file to file',
      { mode: "mock", scope: "process" },
      { pool: "forks", isolate: false, maxWorkers: 1 },
      /scope "process": 1 worker\(s\) started for 3 file\(s\) \(2 took over a kept worker\)/,
    ],
  ])(
    "%s; nothing left running",
    async (_name, options, config, summary) => {
      const p = project(options, config);
      for (const n of ["a", "b", "c"])
        p.write(
          `${n}.test.js`,
          `import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test("${n}", async () => {
  expect(await worker.execute({ job_id: "${n}", prompt: "hi", max_tokens: 3 })).toCompleteSuccessfully();
});
`,
        );
      const r = await p.run();
      expect(r.out).toMatch(/Tests +3 passed \(3\)/);
      expect(r.out).toMatch(summary);
      expect(r.code).toBe(0);
      expect(await p.survivors()).toEqual([]);
    },
    60_000,
  );

  it("the run report under Vitest: the table, the JSON (files, jobs, fingerprint) and HTML; report compare takes it beside a Jest run's; shards merge", async () => {
    const p = project({ mode: "mock", mockArgs: ["--token-interval-ms", "2"] }, {}, { outputDir: "out" });
    for (const n of ["a", "b"])
      p.write(
        `${n}.test.js`,
        `import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test("streams twenty tokens", async () => {
  for (const k of [1, 2, 3])
    expect(await worker.execute({ job_id: "${n}" + k, prompt: "hi", max_tokens: 20 })).toCompleteSuccessfully();
});
`,
      );
    const r = await p.run();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/worker-orcd-jest report \(GPU: none;/);
    expect(r.out).toMatch(/a\.test\.js +mock +[\d.]+ ms\*? +3 +60 /);
    const report = JSON.parse(readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8"));
    expect(report.files.map((f: { file: string }) => f.file)).toEqual(["a.test.js", "b.test.js"]);
    expect(report.files[0].jobs.map((j: { test: string }) => j.test)).toEqual([
      "streams twenty tokens",
      "streams twenty tokens",
      "streams twenty tokens",
    ]);
    expect(report.fingerprint).toMatchObject({ binary: { path: "mock" } });
    expect(report.pace).toBeDefined();
    expect(readFileSync(join(p.dir, "out", "worker-orcd-report.html"), "utf8")).toContain(
      "streams twenty tokens",
    );
    // The same tests under Jest, with the same reporter options: report compare judges one run against the other.
    const j = new FixtureProject({
      testEnvironmentOptions: { workerOrcd: { mode: "mock", mockArgs: ["--token-interval-ms", "2"] } },
      reporters: ["default", [join(REPO, "reporter.js"), { outputDir: "out" }]],
    });
    made.push(j);
    for (const n of ["a", "b"])
      j.write(
        `${n}.test.js`,
        `test("streams twenty tokens", async () => {
  for (const k of [1, 2, 3])
    expect(await worker.execute({ job_id: "${n}" + k, prompt: "hi", max_tokens: 20 })).toCompleteSuccessfully();
});
`,
      );
    expect((await j.run()).code).toBe(0);
    const jestReport = JSON.parse(readFileSync(join(j.dir, "out", "worker-orcd-report.json"), "utf8"));
    expect(jestReport.files.map((f: { file: string }) => f.file)).toEqual(["a.test.js", "b.test.js"]);
    expect(jestReport.totals).toMatchObject({ jobs: report.totals.jobs, tokens: report.totals.tokens });
    const lines: string[] = [];
    const sink = { write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WritableStream;
    const code = reportMain(
      [
        "compare",
        join(j.dir, "out", "worker-orcd-report.json"),
        join(p.dir, "out", "worker-orcd-report.json"),
      ],
      sink,
      sink,
    );
    expect(lines.join("")).toMatch(/figure\(s\) judged|REGRESSED|regressed/);
    expect(code).not.toBe(2);
    // vitest --shard: each shard writes its report, and report merge makes them one run's.
    for (const k of [1, 2]) {
      rmSync(join(p.dir, "out"), { recursive: true, force: true });
      expect((await p.run([`--shard=${k}/2`])).code).toBe(0);
      renameSync(join(p.dir, "out"), join(p.dir, `shard-${k}`));
    }
    const shards = [1, 2].map((k) => join(p.dir, `shard-${k}`, "worker-orcd-report.json"));
    expect(shards.map((f) => JSON.parse(readFileSync(f, "utf8")).files.length)).toEqual([1, 1]);
    expect(reportMain(["merge", ...shards, "-o", join(p.dir, "merged")], sink, sink)).toBe(0);
    const merged = JSON.parse(readFileSync(join(p.dir, "merged", "worker-orcd-report.json"), "utf8"));
    expect(merged.files.map((f: { file: string }) => f.file).sort()).toEqual(["a.test.js", "b.test.js"]);
    expect(merged.totals).toMatchObject({ files: 2, jobs: report.totals.jobs, tokens: report.totals.tokens });
    expect(await p.survivors()).toEqual([]);
  }, 90_000);

  it("the conformance suite as a Vitest project: one test per clause; a mock without event lines fails SSE-EVENT-NAMES alone (exit 1)", async () => {
    const p = project();
    p.write(
      "vitest.config.js",
      `import { defineConfig } from "vitest/config";
import { conformanceProject } from "worker-orcd-jest/vitest/config";
export default defineConfig({ test: { projects: [conformanceProject()] } });
`,
    );
    const r = await p.run(["--reporter=verbose"], { WORKER_ORCD_MOCK_FAULT: "no-event-lines" });
    expect(r.out).toMatch(
      /× .*SSE-EVENT-NAMES \(MUST\): every frame has an event: line equal to its JSON type/,
    );
    expect(r.out).toMatch(/✓ .*SSE-ORDER \(MUST\)/);
    expect(r.out).toMatch(/Tests +1 failed \| 22 passed \(23\)/);
    expect(r.code).toBe(1);
    expect(await p.survivors()).toEqual([]);
  }, 90_000);

  it("itGpu skips with the reason printed where no GPU is usable, and fails with WORKER_ORCD_REQUIRE_GPU=1", async () => {
    const p = project({ mode: "mock" });
    p.write(
      "gpu.test.js",
      `import { expect } from "vitest";
import { itGpu, test, worker } from "worker-orcd-jest/vitest";
itGpu("needs the real model", async () => {
  expect(await worker.health()).toBeHealthy();
});
test("runs anywhere", async () => {
  expect(await worker.health()).toBeHealthy();
});
`,
    );
    const skipped = await p.run();
    expect(skipped.out).toMatch(/worker-orcd-jest: GPU test "needs the real model" skipped: /);
    expect(skipped.out).toMatch(/Tests +1 passed \| 1 skipped \(2\)/);
    expect(skipped.code).toBe(0);
    const required = await p.run([], { WORKER_ORCD_REQUIRE_GPU: "1" });
    expect(required.out).toMatch(/GPU test cannot run and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it/);
    expect(required.code).toBe(1);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("a failing matcher fails the run (exit 1) with its message, the timeline and the worker's log tail", async () => {
    const p = project({ mode: "mock" });
    p.write(
      "fails.test.js",
      `import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test("wants 99 tokens", async () => {
  expect(await worker.execute({ job_id: "f", prompt: "hi", max_tokens: 3 })).toHaveTokenCount(99);
});
`,
    );
    const r = await p.run();
    expect(r.out).toMatch(/Broken rule: token count: 3 token event\(s\), expected 99/);
    expect(r.out).toMatch(/Timeline \(5 event\(s\)\):\n {2}#0 started job_id="f"/);
    expect(r.out).toMatch(/Last \d+ line\(s\) of the worker's log \(http:\/\/127\.0\.0\.1:\d+\):/);
    expect(r.out).toMatch(/Tests +1 failed \(1\)/);
    expect(r.code).toBe(1);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("test.concurrent: each call is owned by the test that made it (the 503 names the test that started the job)", async () => {
    const p = project({ mode: "mock", mockArgs: ["--eos-after", "0", "--token-interval-ms", "30"] });
    p.write(
      "busy.test.js",
      `import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test.concurrent("c1", async () => {
  const events = await worker.execute({ job_id: "long", prompt: "hi", max_tokens: 20 });
  expect(events).toHaveTokenCount(20);
});
test.concurrent("c2", async () => {
  // Waits for the worker's own word that "long" runs.
  while (!worker.logs.some((l) => /job started.*"long"/.test(l.text))) await new Promise((r) => setTimeout(r, 20));
  const error = await worker.execute({ job_id: "second", prompt: "hi", max_tokens: 2 }).catch((e) => e);
  expect(error.message).toMatch(/503/);
  expect(error.message).toMatch(/the running job "long" was started by test "c1" \\d+ ms ago/);
  expect(error.message).not.toMatch(/this test/);
});
`,
    );
    const r = await p.run();
    expect(r.out).toMatch(/Tests +2 passed \(2\)/);
    expect(r.code).toBe(0);
  }, 60_000);

  it("transcripts: recorded, compared, re-recorded with -u, not written under CI, listed and removed when obsolete, and replayed", async () => {
    const p = project({ mode: "mock" });
    const file = (tokens: number, withGone: boolean) =>
      p.write(
        "t.test.js",
        `import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test("hello", async () => {
  const events = await worker.execute({ job_id: "j", prompt: "hi", max_tokens: ${tokens} }, { record: "hello" });
  expect(events).toMatchTranscript("hello");
});
${withGone ? 'test("gone", async () => {\n  await worker.execute({ job_id: "g", prompt: "bye", max_tokens: 2 }, { record: "gone" });\n});\n' : ""}`,
      );
    const dir = join(p.dir, "__transcripts__", "t.test.js");
    const tokensIn = (name: string) =>
      JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")).events.filter(
        (e: { type: string }) => e.type === "token",
      ).length;
    file(5, true);
    const recorded = await p.run([], { CI: undefined });
    expect(recorded.code).toBe(0);
    expect(tokensIn("hello")).toBe(5);
    expect(existsSync(join(dir, "gone.json"))).toBe(true);

    file(6, true);
    const changed = await p.run([], { CI: undefined });
    expect(changed.out).toMatch(/token #\d+ differs \(recorded 5 tokens, received 6\)/);
    expect(changed.out).toContain("re-record it with -u (`jest -u`, `vitest -u`)");
    expect(changed.code).toBe(1);
    expect((await p.run(["-u"], { CI: undefined })).code).toBe(0);
    expect(tokensIn("hello")).toBe(6);

    // Under CI a missing transcript is not written: the call fails.
    rmSync(join(dir, "hello.json"));
    const ci = await p.run([], { CI: "true" });
    expect(ci.out).toMatch(/transcript "hello" \(.*hello\.json\) does not exist, and a CI run/);
    expect(ci.code).toBe(1);
    expect(existsSync(join(dir, "hello.json"))).toBe(false);
    expect((await p.run([], { CI: undefined })).code).toBe(0);

    // A test that no longer records its transcript: listed, then removed with -u.
    file(6, false);
    const obsolete = await p.run([], { CI: undefined });
    expect(obsolete.out).toMatch(
      /1 obsolete transcript\(s\), used by no test of this run \(run with -u to remove them\)/,
    );
    expect(existsSync(join(dir, "gone.json"))).toBe(true);
    expect((await p.run(["-u"], { CI: undefined })).code).toBe(0);
    expect(existsSync(join(dir, "gone.json"))).toBe(false);

    // Replayed: the mock serves the recorded stream, generating nothing.
    const replayed = await p.run([], { CI: "true", WORKER_ORCD_MODE: "replay" });
    expect(replayed.out).toMatch(/Tests +1 passed \(1\)/);
    expect(replayed.code).toBe(0);
    expect(await p.survivors()).toEqual([]);
  }, 120_000);

  it("a worker that dies during a test fails that test; the next test's call says why", async () => {
    const p = project({ mode: "mock", env: { WORKER_ORCD_MOCK_FAULT: "crash-mid-stream:2" } });
    p.write(
      "crash.test.js",
      `import { test, worker } from "worker-orcd-jest/vitest";
test("the crash", async () => {
  await worker.execute({ job_id: "c", prompt: "hi", max_tokens: 10 }).catch(() => undefined);
});
test("after the crash", async () => {
  await worker.health();
});
`,
    );
    const r = await p.run();
    expect(r.out).toMatch(/Tests +2 failed \(2\)/);
    expect(r.out).toMatch(/the crash[\s\S]*the worker process was killed by signal SIGKILL during this test/);
    expect(r.out).toMatch(/GET http:\/\/127.0.0.1:\d+\/health failed/);
    expect(r.out).toMatch(/illegal memory access/);
    expect(r.code).toBe(1);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("attached URLs are spread over Vitest's worker processes, one each; the reuse pool takes each run's worker back for the next, isolated or not", async () => {
    const a = await startMock();
    const b = await startMock();
    try {
      const p = project({ url: [a.baseUrl, b.baseUrl] });
      for (const n of ["one", "two"]) p.write(`${n}.test.js`, NOTING(n, 300));
      const attached = await p.run(["--maxWorkers=2"]);
      expect(attached.out).toMatch(/0 worker\(s\) started for 2 file\(s\) \(2 attached to a running worker/);
      expect(attached.code).toBe(0);
      // Each file had a worker of its own: the two files' calls reached the two workers.
      expect(new Set(seenIn(p).map((s) => s.url))).toEqual(new Set([a.baseUrl, b.baseUrl]));
    } finally {
      await a.stop();
      await b.stop();
    }

    const pool = mkdtempSync(join(tmpdir(), "wojest-vitest-pool-"));
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const env = { WORKER_ORCD_JEST_POOL: pool };
    try {
      // Not isolated: one Vitest process runs both files and keeps the worker; Vitest ends it with SIGTERM.
      const shared = project(
        { mode: "mock", scope: "process", reuse: true },
        { isolate: false, maxWorkers: 1 },
      );
      for (const n of ["one", "two"]) shared.write(`${n}.test.js`, NOTING(n));
      expect((await shared.run([], env)).code).toBe(0);
      const [first] = new Set(seenIn(shared).map((s) => s.pid));
      expect(workerRows(pool).map((r) => [r.pid, r.state])).toEqual([[first, "idle"]]);
      // Isolated (Vitest's default): the file's process ends with it; the worker goes back at the file's end.
      const isolated = project({ mode: "mock", scope: "process", reuse: true });
      isolated.write("one.test.js", NOTING("one"));
      const next = await isolated.run([], env);
      expect(next.out).toMatch(
        /0 worker\(s\) started for 1 file\(s\) \(1 took a warm worker from the reuse pool/,
      );
      expect(seenIn(isolated).map((s) => s.pid)).toEqual([first]);
      expect(workerRows(pool).map((r) => [r.pid, r.state])).toEqual([[first, "idle"]]);
    } finally {
      await workersMain(["stop", "--all", "--force"], sink, sink, pool);
      rmSync(pool, { recursive: true, force: true });
    }
  }, 90_000);

  it("a file's own options come from its @vitest-environment-options docblock, over the plugin's; a bad one fails that file alone", async () => {
    const p = project({ mode: "mock" });
    const body = (tokens: number) => `import { expect } from "vitest";
import { test, worker } from "worker-orcd-jest/vitest";
test("streams", async () => {
  expect(await worker.execute({ job_id: "j", prompt: "hi", max_tokens: 5 })).toHaveTokenCount(${tokens});
});
`;
    p.write("plain.test.js", body(5));
    p.write(
      "own.test.js",
      `/** @vitest-environment-options {"workerOrcd": {"mockArgs": ["--eos-after", "2"]}} */\n${body(2)}`,
    );
    p.write(
      "bad.test.js",
      `/** @vitest-environment-options {"workerOrcd": {"scope": "fiel"}} */\n${body(5)}`,
    );
    const r = await p.run();
    expect(r.out).toMatch(
      /worker-orcd-jest configuration error: @vitest-environment-options workerOrcd\.scope must be "file" or "process", got "fiel"/,
    );
    expect(r.out).toMatch(/Test Files +1 failed \| 2 passed \(3\)/);
    expect(r.code).toBe(1);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("a bad option fails every file with one message naming it and the fix; nothing starts", async () => {
    const p = project({ mode: "mock", scope: "fiel" });
    p.write("a.test.js", PASSING);
    const r = await p.run();
    expect(r.out).toMatch(
      /worker-orcd-jest configuration error: workerOrcd\(\)\.scope must be "file" or "process", got "fiel"/,
    );
    expect(r.code).not.toBe(0);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("the browser mode is refused with one line before anything starts (exit 1)", async () => {
    const p = project({ mode: "mock" }, { browser: { enabled: true, instances: [{ browser: "chromium" }] } });
    p.write("a.test.js", PASSING);
    const r = await p.run();
    expect(r.out).toMatch(
      /worker-orcd-jest configuration error: workerOrcd\(\) does not run in Vitest's browser mode \(project "chromium" has browser\.enabled\)/,
    );
    expect(r.out).not.toMatch(/worker-orcd-jest: mock worker/);
    expect(r.code).toBe(1);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("SIGINT to Vitest during a stream: nothing of the run is left running", async () => {
    const p = project({ mode: "mock", mockArgs: ["--token-interval-ms", "5", "--eos-after", "0"] });
    p.write(
      "long.test.js",
      `import { writeFileSync } from "node:fs";
import { test, worker } from "worker-orcd-jest/vitest";
test("streams for a long time", async () => {
  writeFileSync(new URL("./streaming", import.meta.url), String(worker.pid));
  for await (const e of worker.stream({ job_id: "long", prompt: "hi", max_tokens: 100000 })) void e;
}, 120000);
`,
    );
    let child: import("node:child_process").ChildProcess | undefined;
    // Vitest's own temp folder outlives a Vitest stopped this way: the run's temp folder is the project's.
    const ran = p.run([], { TMPDIR: p.write("tmp/.keep", "") && join(p.dir, "tmp") }, (c) => {
      child = c;
    });
    const streaming = join(p.dir, "streaming");
    const pid = await waitFor(
      () => {
        try {
          return Number(readFileSync(streaming, "utf8"));
        } catch {
          return 0;
        }
      },
      "the test to write its worker's pid",
      30_000,
    );
    child?.kill("SIGINT");
    await ran;
    await waitFor(() => !isAlive(pid), `the worker (pid ${pid}) to be gone after SIGINT`, 30_000);
    expect(await p.survivors(10_000)).toEqual([]);
  }, 90_000);
});
