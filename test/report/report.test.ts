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
const CHROMIUM = "/usr/bin/chromium";
/** The DOM of `file` after headless Chromium loaded it (no network, a profile of its own), and its console log. */
const dumpDom = (file: string, profile: string) =>
  spawnSync(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      "--enable-logging=stderr",
      "--v=0",
      "--dump-dom",
      `file://${file}`,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
const pace = (ms: number) => ({ WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS: String(ms) });
const readReport = (p: FixtureProject): RunReport =>
  JSON.parse(readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8"));

describe("the run report", () => {
  it("prints a table per file, writes the JSON (documented schema) and a self-contained HTML with the charts", async () => {
    const p = paced();
    const result = await p.run([], pace(5)); // 5 ms apart: tokens arrive in chunks of their own even on a loaded machine
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/worker-orcd-jest report \(GPU: none;/);
    expect(result.out).toMatch(/file +worker +start-up +jobs +tokens +TTFT p50 +TTFT p95 +tok\/s p50 +VRAM/);
    // A file whose one job is its worker's warm-up has no figure: every figure leaves warm-up jobs out.
    expect(result.out).toMatch(/other\.test\.js +mock +[\d.]+ ms\*? +1 +20 +- +- +- +400 MiB/);
    expect(result.out).toMatch(/stream\.test\.js +mock +[\d.]+ ms\*? +3 +60 +[\d.]+ ms +[\d.]+ ms +[\d.]+ /);
    expect(result.out).toMatch(/total: 2 file\(s\) +2 started +[\d.]+ ms +4 +80 /);

    const report = readReport(p);
    expect(report).toMatchObject({
      schema: 1,
      package: { name: "worker-orcd-jest" },
      machine: { cpus: expect.any(Number), node: process.version },
      gpu: null,
      totals: { files: 2, workersStarted: 2, jobs: 4, tokens: 80 },
      fingerprint: {
        gpu: null,
        binary: {
          path: "mock",
          sha256: expect.stringMatching(/^mock /),
          build: expect.objectContaining({ model: "mock" }),
        },
        model: { path: "mock" },
        command: expect.stringContaining("--worker-id"),
        versions: { node: process.version, jest: expect.any(String), package: expect.any(String) },
      },
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
    if (!existsSync(CHROMIUM)) {
      process.stderr.write(
        `report.test.ts: skipping the browser check: ${CHROMIUM} not found (apt-get install chromium; docs/report.png is the manual check)\n`,
      );
      expect(existsSync(join(REPO, "docs", "report.png"))).toBe(true);
      return;
    }
    const p = paced();
    await p.run([], pace(1));
    const file = join(p.dir, "out", "worker-orcd-report.html");
    const run = dumpDom(file, join(p.dir, "chromium"));
    expect(run.stdout).toContain("worker-orcd-jest run report");
    expect(run.stdout.match(/<svg class="chart"/g)).toHaveLength(5);
    expect(run.stderr).not.toMatch(/CONSOLE\(\d+\).*(Error|Uncaught)|Failed to load resource/);
  }, 90_000);

  it("the baseline gate passes on an unchanged mock and fails the run, with a before/after table, on a slowed one; report compare agrees", async () => {
    // Start-up noise on a loaded 2-core CI machine is not what this test is about: a wide start-up tolerance (under
    // its first name), and a slowdown (20 -> 80 ms a token) far past the others.
    const p = paced({ tolerances: { startup: 10, tokensPerSecP50: 0.4 } });
    expect((await p.run([], pace(20))).code).toBe(0);
    copyFileSync(join(p.dir, "out", "worker-orcd-report.json"), join(p.dir, "baseline.json"));
    const env = { ...pace(20), WORKER_ORCD_REPORT_BASELINE: "baseline.json" };
    // A gate that withholds (exit 2: the machine's pace moved past what can be judged) gave no false verdict; it
    // is asked again, a few times, for the verdict this test is about.
    const gated = async (vars: Record<string, string>) => {
      for (let attempt = 1; ; attempt++) {
        const run = await p.run([], vars);
        if (attempt === 3 || run.code !== 2 || !/the machine's pace moved too far/.test(run.out)) return run;
        process.stderr.write(
          `report.test.ts: the gate withheld its verdict (a loaded machine); run ${attempt + 1} of 3\n`,
        );
      }
    };
    const same = await gated(env);
    // Two jobs of each side are counted (warm-up left out): TTFT, TPOT and tok/s are shown, not judged; ITL's 38 gaps are.
    expect(same.out).toMatch(
      /no regression against .*baseline\.json \(\d+ figure\(s\) judged; \d+ not judged, too few samples: TTFT 2\/2/,
    );
    expect(same.code).toBe(0);
    // The machine's pace was measured beside the run, and the gate says how far it moved.
    expect(same.out).toMatch(
      /machine pace \(the reference worker, baseline -> this run\): TTFT [\d.]+ -> [\d.]+ ms \([+-][\d.]+\), TPOT [\d.]+ -> [\d.]+ ms/,
    );
    const measured = readReport(p).pace!;
    expect(measured.reference).toMatch(/the bundled mock at 1 ms a token/);
    expect(measured.tpotMs.length).toBeGreaterThanOrEqual(6);
    expect(measured.cpuMs.length).toBeGreaterThanOrEqual(3);
    for (const v of [...measured.ttftMs, ...measured.tpotMs, ...measured.cpuMs])
      expect(v).toBeGreaterThanOrEqual(0);
    copyFileSync(join(p.dir, "out", "worker-orcd-report.json"), join(p.dir, "same.json"));
    const slow = await gated({ ...env, ...pace(80) });
    expect(slow.out).toMatch(/Tests: +3 passed, 3 total/); // the tests pass; the gate fails the run
    expect(slow.out).toMatch(/worker-orcd-jest reporter: \d+ figure\(s\) regressed against the baseline/);
    expect(slow.out).toMatch(/\(run\) +ITL +38\/38 +[\d.]+ +[\d.]+ +\+\d+ % +\+\d+ % to \+\d+ % +REGRESSED/);
    expect(slow.out).toMatch(/test or file +figure +n +before +after +change +95 % interval +verdict/);
    expect(slow.code).toBe(1);

    // The same verdict from the command line, with the comparison page.
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(REPO, "dist", "cli.js"), "report", "compare", ...args], {
        encoding: "utf8",
        cwd: p.dir,
      });
    const tol = ["--tolerances", JSON.stringify({ startup: 10, tokensPerSecP50: 0.4 })];
    const regressed = cli(["baseline.json", "out/worker-orcd-report.json", "-o", "cmp", ...tol]);
    expect(regressed.status).toBe(1);
    expect(regressed.stdout).toMatch(/\(run\) +ITL .*REGRESSED/);
    expect(regressed.stdout).toMatch(/\(run\) +TTFT +2\/2 .* too few samples/);
    expect(regressed.stdout).toMatch(/figure\(s\) regressed/);
    const page = readFileSync(join(p.dir, "cmp", "worker-orcd-compare.html"), "utf8");
    expect(page).toContain("worker-orcd-jest comparison");
    expect(page).toContain("<th>95 % interval</th><th>verdict</th>");
    // Axes in the figure's unit, ticks at round numbers (a quarter of 1, 2, 2.5 or 5 times a power of ten).
    const ticks = [...page.matchAll(/class="tick">([\d.]+) (ms|tok\/s)</g)].map((m) => Number(m[1]));
    expect(ticks.length).toBeGreaterThan(0);
    for (const t of ticks) expect(String(t)).toMatch(/^\d+(\.\d{1,3})?$/);
    expect(page).toMatch(/class="tick">0 ms</);
    expect(page).toMatch(/machine pace \(the reference worker, baseline -&gt; this run\)/);
    expect(page.match(/<svg class="chart"/g)!.length).toBeGreaterThanOrEqual(4);
    expect(page).not.toMatch(/<script|<link|<img|src=|url\(|@import|https?:\/\//);
    const unchanged = cli(["baseline.json", "same.json", ...tol]);
    expect(unchanged.stdout).toMatch(/no regression/);
    expect(unchanged.status).toBe(0);
    expect(cli(["baseline.json"]).status).toBe(2);
    expect(cli(["baseline.json", "same.json", "--tolerances", '{"tftt":1}']).stderr).toMatch(
      /unknown tolerance tftt \(did you mean `ttft`\?\)/,
    );
    expect(cli(["nope.json", "same.json"]).stderr).toMatch(/nope\.json: no such file/);

    if (!existsSync(CHROMIUM)) {
      process.stderr.write(
        `report.test.ts: skipping the comparison page's browser check: ${CHROMIUM} not found\n`,
      );
      return;
    }
    const run = dumpDom(join(p.dir, "cmp", "worker-orcd-compare.html"), join(p.dir, "chromium"));
    expect(run.stdout).toContain("worker-orcd-jest comparison");
    expect(run.stdout).toMatch(/REGRESSED/);
    expect(run.stderr).not.toMatch(/CONSOLE\(\d+\).*(Error|Uncaught)|Failed to load resource/);
  }, 150_000);

  it("measures TTFB, TTFT, ITL, TPOT and e2e per job, leaves warm-up out, and shows goodput; minGoodput fails the run", async () => {
    const p = paced({ slo: { ttftMs: 5000, tpotMs: 1 }, minGoodput: 0.9 });
    const result = await p.run([], pace(10));
    expect(result.out).toMatch(/Tests: +3 passed, 3 total/);
    const report = readReport(p);
    const jobs = report.files.flatMap((f) => f.jobs);
    for (const j of jobs) {
      expect(j.startMs).toBeGreaterThanOrEqual(0);
      expect(j.ttfbMs).toBeLessThanOrEqual(j.ttftMs!);
      expect(j.tpotMs).toBeCloseTo((j.totalMs - j.ttftMs!) / (j.tokens - 1), 1);
      expect(j.itl!.count).toBe(j.tokens - 1);
      expect(j.chunks).toBeGreaterThan(1);
      expect(j.sloMissed).toEqual([expect.stringMatching(/^TPOT [\d.]+ ms > 1 ms$/)]);
    }
    // The first job of each file's worker is warm-up.
    expect(
      jobs
        .filter((j) => j.warmup)
        .map((j) => j.jobId)
        .sort(),
    ).toEqual(["o", "s1"]);
    expect(report.metrics).toMatchObject({ jobs: 2, warmupJobs: 2, goodput: { met: 0, of: 2, share: 0 } });
    expect(report.metrics!.itlMs).toMatchObject({ n: 38 });
    for (const k of ["n", "mean", "min", "max", "p50", "p90", "p95", "p99"])
      expect(typeof (report.metrics!.ttftMs as unknown as Record<string, number>)[k]).toBe("number");
    expect(report.settings).toEqual({ warmupJobs: 1, slo: { ttftMs: 5000, tpotMs: 1 } });
    expect(result.out).toMatch(/run statistics over 2 job\(s\), 2 warm-up job\(s\) left out/);
    expect(result.out).toMatch(/ITL ms +38 /);
    expect(result.out).toMatch(/goodput: 0 % \(0 of 2 jobs met ttft <= 5000 ms, tpot <= 1 ms\)/);
    expect(result.out).toMatch(/streams twenty tokens \(s2\): TPOT [\d.]+ ms > 1 ms/);
    expect(result.out).toMatch(/goodput 0 % \(0 of 2 jobs met the SLO\) is below minGoodput 90 %/);
    expect(result.code).toBe(1);
    // The page shows every figure the table has, the SLO and the jobs that missed it.
    const pagePath = join(p.dir, "out", "worker-orcd-report.html");
    const page = readFileSync(pagePath, "utf8");
    for (const figure of [
      "TTFT ms",
      "TTFB ms",
      "ITL ms",
      "TPOT ms",
      "e2e ms",
      "tok/s per job",
      "throughput:",
    ])
      expect(page).toContain(figure);
    expect(page).toMatch(/goodput: 0 % \(0 of 2 jobs met ttft &lt;= 5000 ms, tpot &lt;= 1 ms\)/);
    expect(page).toMatch(/missed the SLO:\n +streams twenty tokens \(s2\): TPOT [\d.]+ ms &gt; 1 ms/);
    expect(page).toContain("TTFT p50 / p95 (warm-up left out)");
    if (existsSync(CHROMIUM)) {
      const dom = dumpDom(pagePath, join(p.dir, "chromium-page"));
      expect(dom.stdout).toMatch(/Run statistics \(warm-up jobs left out\)/);
      expect(dom.stdout).toMatch(/TPOT ms +2 /);
      expect(dom.stdout).toMatch(/goodput: 0 %/);
    } else
      process.stderr.write(
        `report.test.ts: skipping the page's browser check for the statistics: ${CHROMIUM} not found\n`,
      );

    const all = paced({ warmupJobs: 0, slo: { e2eMs: 60_000 } });
    expect((await all.run([], pace(1))).code).toBe(0);
    expect(readReport(all).metrics).toMatchObject({
      jobs: 4,
      warmupJobs: 0,
      goodput: { met: 4, of: 4, share: 1 },
    });
    const bad = paced({ slo: { ttft: 5 } });
    expect((await bad.run([])).out).toContain(
      "worker-orcd-jest reporter: unknown SLO bound ttft (did you mean `ttftMs`?)",
    );
    const needs = paced({ minGoodput: 0.5 });
    expect((await needs.run([])).out).toContain("minGoodput needs slo");
  }, 120_000);

  it("in a projects monorepo, two projects' files of one name are two files in the table, the JSON and a merge", async () => {
    const p = new FixtureProject();
    projects.push(p);
    const { PRESET } = require("../helpers/jest-run") as typeof import("../helpers/jest-run");
    const project = (name: string) => ({
      displayName: name,
      rootDir: join(p.dir, "packages", name),
      preset: PRESET,
    });
    p.write(
      "jest.config.js",
      `module.exports = ${JSON.stringify({
        rootDir: p.dir,
        projects: [project("a"), project("b")],
        reporters: ["default", [REPORTER, { outputDir: "out" }]],
      })};\n`,
    );
    for (const name of ["a", "b"])
      p.write(
        `packages/${name}/x.test.js`,
        `test("${name}", async () => { await worker.execute({ job_id: "${name}", prompt: "hi", max_tokens: 3 }); });\n`,
      );
    const run = await p.run([]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/packages\/a\/x\.test\.js +mock/);
    expect(run.out).toMatch(/packages\/b\/x\.test\.js +mock/);
    const report = JSON.parse(readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8"));
    expect(report.files.map((f: { file: string }) => f.file).sort()).toEqual([
      "packages/a/x.test.js",
      "packages/b/x.test.js",
    ]);
    // The two shards of that run merge: no file is in both.
    for (const k of [1, 2])
      expect((await p.run([`--shard=${k}/2`], { WORKER_ORCD_REPORT_DIR: `shard-${k}` })).code).toBe(0);
    const merged = spawnSync(
      process.execPath,
      [
        join(REPO, "dist", "cli.js"),
        "report",
        "merge",
        "shard-1/worker-orcd-report.json",
        "shard-2/worker-orcd-report.json",
        "-o",
        "merged",
      ],
      { encoding: "utf8", cwd: p.dir },
    );
    expect(merged.stderr).toBe("");
    expect(merged.status).toBe(0);
    expect(merged.stdout).toMatch(/packages\/a\/x\.test\.js \(shard-\d/);
    expect(merged.stdout).toMatch(/packages\/b\/x\.test\.js \(shard-\d/);
  }, 90_000);

  it("a gate that judged nothing gives no verdict and exit code 2, in the run and in report compare", async () => {
    const p = paced();
    const { cpus } = require("node:os") as typeof import("node:os");
    const machine = {
      hostname: "h",
      platform: "linux",
      cpus: cpus().length,
      cpuModel: cpus()[0].model,
      memoryGiB: 1,
      node: "",
    };
    const noJobs = {
      schema: 1,
      package: { name: "worker-orcd-jest", version: "0" },
      date: "",
      machine,
      gpu: null,
      model: null,
      files: [{ file: "stream.test.js", workers: [], jobs: [] }],
      totals: { files: 1, workersStarted: 0, jobs: 0, tokens: 0 },
    };
    p.write("empty-baseline.json", JSON.stringify(noJobs));
    const run = await p.run([], { WORKER_ORCD_REPORT_BASELINE: "empty-baseline.json" });
    expect(run.out).toMatch(/Tests: +3 passed, 3 total/);
    expect(run.out).toMatch(
      /nothing judged against the baseline .*empty-baseline\.json, no verdict \(exit code 2\): the baseline holds no job/,
    );
    expect(run.out).not.toMatch(/no regression/);
    expect(run.code).toBe(2);
    const compare = (...args: string[]) =>
      spawnSync(process.execPath, [join(REPO, "dist", "cli.js"), "report", "compare", ...args], {
        encoding: "utf8",
        cwd: p.dir,
      });
    const good = "out/worker-orcd-report.json";
    p.write("no-files.json", JSON.stringify({ ...noJobs, files: [] }));
    const fromEmpty = compare("no-files.json", good);
    expect(fromEmpty.stderr).toMatch(/nothing judged, no verdict: the baseline holds no job \(0 file\(s\)\)/);
    expect(fromEmpty.stdout).not.toMatch(/no regression/);
    expect(fromEmpty.status).toBe(2);
    const toEmpty = compare(good, "empty-baseline.json");
    expect(toEmpty.stderr).toMatch(
      /this run holds no job \(1 file\(s\)\): its tests may have failed before any job ran/,
    );
    expect(toEmpty.status).toBe(2);
    const report = JSON.parse(readFileSync(join(p.dir, good), "utf8"));
    p.write(
      "elsewhere.json",
      JSON.stringify({ ...report, machine: { ...report.machine, cpuModel: "Other CPU" } }),
    );
    const elsewhere = compare("elsewhere.json", good);
    expect(elsewhere.stderr).toMatch(
      /nothing judged, no verdict: the baseline comes from another machine .*add --across-machines/,
    );
    expect(elsewhere.stderr).not.toMatch(/compareAcrossMachines/);
    expect(elsewhere.status).toBe(2);
    expect(compare("elsewhere.json", good, "--across-machines").status).not.toBe(2);

    // Another worker build (its fingerprint's binary hash differs): not judged unless asked, the difference named.
    p.write(
      "otherbuild.json",
      JSON.stringify({
        ...report,
        fingerprint: { ...report.fingerprint, binary: { path: "/opt/worker-orcd", sha256: "e".repeat(64) } },
      }),
    );
    const otherBuild = compare("otherbuild.json", good);
    expect(otherBuild.stderr).toMatch(
      /nothing judged, no verdict: the baseline ran something else \(baseline vs this run: worker binary: \/opt\/worker-orcd \(sha256 eeeeeeeeeeee\) vs mock \(mock [\d.]+\)\).*add --across-fingerprints to compare anyway/,
    );
    expect(otherBuild.status).toBe(2);
    expect(compare("otherbuild.json", good, "--across-fingerprints").status).not.toBe(2);
    const gated = await p.run([], { WORKER_ORCD_REPORT_BASELINE: "otherbuild.json" });
    expect(gated.out).toMatch(
      /nothing judged against the baseline .*otherbuild\.json, no verdict \(exit code 2\): the baseline ran something else .*worker binary: .*set the reporter option compareAcrossFingerprints to compare anyway/,
    );
    expect(gated.code).toBe(2);
  }, 120_000);

  it("every problem with the reporter's options is told in one message, and no test runs", async () => {
    const p = paced({ outputDir: undefined, outputdir: "r", slo: { ttft: 100 } });
    const bad = await p.run([]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("worker-orcd-jest reporter: 2 problems with the options:");
    expect(bad.out).toMatch(/ {2}- unknown option outputdir \(did you mean `outputDir`\?\)/);
    expect(bad.out).toMatch(/ {2}- unknown SLO bound ttft \(did you mean `ttftMs`\?\) in slo/);
    // Each file fails at once with the same message; no test ran and no worker was started.
    expect(bad.out).toMatch(/no test runs until the reporter's options are fixed/);
    expect(bad.out).toMatch(/Tests: +0 total/);
    expect(bad.out).not.toMatch(/worker\(s\) started for/);
  }, 60_000);

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
            jobs: Array.from({ length: 6 }, (_, k) => ({
              test: "t",
              jobId: `j${k}`,
              worker: "w",
              tokensPerSec: tokensPerSec * (1 + k / 100),
              ttftMs: 5,
              tokens: 9,
              arrivals: [],
            })),
          },
        ],
      }) as unknown as RunReport;
    expect(compareWithBaseline(mk("A", 10), mk("B", 100)).skipped).toMatch(/another machine or GPU/);
    const judged = compareWithBaseline(mk("A", 10), mk("B", 100), {}, true);
    expect(judged.regressions.map((c) => [c.what, c.figure])).toEqual([
      ["(run)", "tok/s"],
      ["t", "tok/s"],
    ]);
    expect(compareWithBaseline(mk("A", 90), mk("A", 100)).regressions).toHaveLength(0);
  }, 60_000);
});
