import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { compareWithBaseline } from "../../src/report/baseline";
import type { RunReport } from "../../src/report/types";
import { FixtureProject, REPO } from "../helpers/jest-run";

const projects: FixtureProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

const REPORTER = join(REPO, "reporter.js");

/** A project whose two files stream from the mock at a given pace, reporting into `out/`. */
function paced(reporterOptions: Record<string, unknown> = {}) {
  const p = new FixtureProject({
    reporters: ["default", [REPORTER, { outputDir: "out", ...reporterOptions }]],
    // prestart: false, so every file's start-up is measured (a worker started ahead shows "ahead" instead).
    testEnvironmentOptions: { workerOrcd: { mockArgs: ["--eos-after", "0"], prestart: false } },
  });
  projects.push(p);
  p.write(
    "stream.test.js",
    `test("streams twenty tokens", async () => {
  for (const k of [1, 2, 3]) {
    const events = await worker.execute({ job_id: "s" + k, prompt: "hi", max_tokens: 20 });
    expect(events).toHaveTokenCount(20);
  }
});`,
  );
  p.write(
    "other.test.js",
    `test("one job", async () => {
  expect(await worker.execute({ job_id: "o", prompt: "hello", max_tokens: 20 })).toCompleteSuccessfully();
});
test("no job", () => expect(1).toBe(1));`,
  );
  return p;
}
const pace = (ms: number) => ({ WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS: String(ms) });
const readReport = (p: FixtureProject): RunReport =>
  JSON.parse(readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8"));

describe("the run report (issue 12)", () => {
  it("prints a table per file, writes the JSON (documented schema) and a self-contained HTML with the charts", async () => {
    const p = paced();
    const result = await p.run([], pace(5)); // 5 ms apart: tokens arrive in chunks of their own even on a loaded machine
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/worker-orcd-jest report \(GPU: none;/);
    expect(result.out).toMatch(/file +worker +start-up +jobs +tokens +TTFT p50 +TTFT p95 +tok\/s p50 +VRAM/);
    expect(result.out).toMatch(
      /other\.test\.js +mock +[\d.]+ ms\*? +1 +20 +[\d.]+ ms +[\d.]+ ms +[\d.]+ +400 MiB/,
    );
    expect(result.out).toMatch(/stream\.test\.js +mock +[\d.]+ ms\*? +3 +60 /);
    expect(result.out).toMatch(/total: 2 file\(s\) +2 started +[\d.]+ ms +4 +80 /);

    const report = readReport(p);
    expect(report).toMatchObject({
      schema: 1,
      package: { name: "worker-orcd-jest" },
      machine: { cpus: expect.any(Number), node: process.version },
      gpu: null,
      totals: { files: 2, workersStarted: 2, jobs: 4, tokens: 80 },
    });
    const stream = report.files.find((f) => f.file === "stream.test.js")!;
    expect(stream.workers).toEqual([
      expect.objectContaining({ role: "env", kind: "mock", reused: false, vramBytes: 419430400 }),
    ]);
    expect(stream.jobs.map((j) => j.jobId)).toEqual(["s1", "s2", "s3"]);
    for (const job of stream.jobs) {
      expect(job).toMatchObject({
        test: "streams twenty tokens",
        promptChars: 2,
        maxTokens: 20,
        outcome: "max_tokens",
        tokens: 20,
        streamed: true,
      });
      expect(job.ttftMs).toBeGreaterThan(0);
      expect(job.gapMs!.p50).toBeGreaterThan(0);
      expect(job.gapMs!.max).toBeGreaterThanOrEqual(job.gapMs!.p95);
      expect(job.tokensPerSec).toBeGreaterThan(0);
      expect(job.arrivals).toHaveLength(20);
    }

    const html = readFileSync(join(p.dir, "out", "worker-orcd-report.html"), "utf8");
    expect(html.match(/<svg class="chart"/g)).toHaveLength(5);
    for (const title of [
      "Time to first token per test",
      "Tokens per second per test",
      "Token arrivals of the slowest jobs",
      "Start-up per file",
      "VRAM per worker",
    ])
      expect(html).toContain(title);
    expect(html).toContain("<polyline");
    expect(html).toContain("streams twenty tokens");
    // Self-contained: no script, stylesheet, image or font from anywhere.
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(|@import|https?:\/\//);
  }, 60_000);

  it("renders in headless Chromium without errors and without network (where /usr/bin/chromium exists)", async () => {
    const chromium = "/usr/bin/chromium";
    if (!existsSync(chromium)) {
      process.stderr.write(
        `report.test.ts: skipping the browser check: ${chromium} not found (apt-get install chromium; docs/report.png is the manual check)\n`,
      );
      expect(existsSync(join(REPO, "docs", "report.png"))).toBe(true);
      return;
    }
    const p = paced();
    await p.run([], pace(1));
    const file = join(p.dir, "out", "worker-orcd-report.html");
    const run = spawnSync(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${join(p.dir, "chromium")}`,
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        `file://${file}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.stdout).toContain("worker-orcd-jest run report");
    expect(run.stdout.match(/<svg class="chart"/g)).toHaveLength(5);
    expect(run.stderr).not.toMatch(/CONSOLE\(\d+\).*(Error|Uncaught)|Failed to load resource/);
  }, 90_000);

  it("the baseline gate passes on an unchanged mock and fails the run, with a before/after table, on a slowed one", async () => {
    // Start-up and timer noise on a loaded 2-core CI machine are not what this test is about: wide tolerances,
    // and a slowdown (20 -> 80 ms a token, -75 % tokens/s) far past them.
    const p = paced({ tolerances: { startup: 10, tokensPerSecP50: 0.4 } });
    expect((await p.run([], pace(20))).code).toBe(0);
    copyFileSync(join(p.dir, "out", "worker-orcd-report.json"), join(p.dir, "baseline.json"));
    const env = { ...pace(20), WORKER_ORCD_REPORT_BASELINE: "baseline.json" };
    const same = await p.run([], env);
    expect(same.out).toMatch(/no regression against .*baseline\.json \(\d+ figure\(s\) compared\)/);
    expect(same.code).toBe(0);
    const slow = await p.run([], { ...env, ...pace(80) });
    expect(slow.out).toMatch(/Tests: +3 passed, 3 total/); // the tests pass; the gate fails the run
    expect(slow.out).toMatch(/worker-orcd-jest reporter: \d+ figure\(s\) regressed against the baseline/);
    expect(slow.out).toMatch(/streams twenty tokens +tok\/s p50 +[\d.]+ +[\d.]+ +-\d+ % +REGRESSED/);
    expect(slow.code).toBe(1);
  }, 90_000);

  it("a bad reporter option is a clear error; a baseline from another machine is not compared unless asked", async () => {
    const p = paced({ outptDir: "x" });
    const bad = await p.run([]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(
      "worker-orcd-jest reporter: unknown option outptDir (did you mean `outputDir`?)",
    );
    const mk = (cpuModel: string, tokensPerSec: number): RunReport =>
      ({
        schema: 1,
        machine: { cpus: 2, cpuModel },
        gpu: null,
        files: [
          {
            file: "a.test.js",
            workers: [],
            jobs: [{ test: "t", jobId: "j", tokensPerSec, ttftMs: 5, tokens: 9, arrivals: [] }],
          },
        ],
      }) as unknown as RunReport;
    expect(compareWithBaseline(mk("A", 10), mk("B", 100)).skipped).toMatch(/another machine or GPU/);
    expect(compareWithBaseline(mk("A", 10), mk("B", 100), {}, true).regressions).toHaveLength(1);
    expect(compareWithBaseline(mk("A", 90), mk("A", 100)).regressions).toHaveLength(0);
  }, 60_000);
});
