#!/usr/bin/env node
// The baseline gate against noise and against a real slowdown, on a quiet machine and on a busy one.
//
// Each series takes one baseline run on a quiet machine, then GATE_RUNS identical runs (each regression is a false
// alarm) and GATE_RUNS runs with the mock's token interval slowed (each run the gate passes is a miss):
//   quiet      the example suite at 10 ms a token; slowed: 13 ms (+30 %)          (GATE_RUNS, default 20)
//   busy-1ms   6 files x 3 jobs x 20 tokens at the mock's default 1 ms; slowed: 2 ms   (GATE_BUSY_RUNS, default 10)
//   busy-5ms   3 files x 10 jobs x 20 tokens at 5 ms; slowed: 7 ms (+40 %)               (GATE_BUSY_RUNS)
// In the busy series two other processes (GATE_SPINNERS) keep both cores busy during the gated runs, not during the
// baseline.
// GATE_SERIES picks series (comma-separated). GATE_KEEP=<dir> keeps every report there; GATE_REPLAY=<dir> judges
// the reports kept by an earlier run again (after a change of the gate) without running anything; GATE_NO_PACE=1
// judges without the machine's pace, as the gate did before it had one. Writes
// bench/gate-results.json: per series the counts, and per run the verdict, the reference's pace and the figures,
// and the correlation of the reference with the suite's TTFT and TPOT over all runs.
const { spawn, spawnSync } = require("node:child_process");
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } = require("node:fs");
const { tmpdir, cpus } = require("node:os");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");
/** The built package whose gate judges (GATE_DIST: another build of it, to judge kept reports with another gate). */
const DIST = process.env.GATE_DIST ?? join(ROOT, "dist");
const { compareWithBaseline, nothingJudged } = require(join(DIST, "report", "baseline.js"));
const { percentiles } = require(join(DIST, "util", "percentiles.js"));
const JEST = require.resolve("jest/bin/jest");
const RUNS = Number(process.env.GATE_RUNS ?? 20);
const BUSY_RUNS = Number(process.env.GATE_BUSY_RUNS ?? 10);
const REPLAY = process.env.GATE_REPLAY;
const KEEP = process.env.GATE_KEEP ?? REPLAY;
const work = mkdtempSync(join(tmpdir(), "wojest-gate-"));

const SERIES = [
  { name: "quiet", suite: "example", pace: 10, slowed: 13, runs: RUNS, busy: false },
  { name: "busy-1ms", suite: { files: 6, jobs: 3 }, pace: 1, slowed: 2, runs: BUSY_RUNS, busy: true },
  { name: "busy-5ms", suite: { files: 3, jobs: 10 }, pace: 5, slowed: 7, runs: BUSY_RUNS, busy: true },
].filter((s) => !process.env.GATE_SERIES || process.env.GATE_SERIES.split(",").includes(s.name));

/** A generated suite: `files` files, each `jobs` jobs of 20 tokens against the file's mock. */
function generated({ files, jobs }) {
  const dir = join(work, `suite-${files}x${jobs}`);
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "jest.config.js"),
    `module.exports = ${JSON.stringify({
      rootDir: dir,
      preset: join(ROOT, "jest-preset.js"),
      testEnvironmentOptions: { workerOrcd: { mockArgs: ["--eos-after", "0"] } },
    })};\n`,
  );
  for (let f = 0; f < files; f++)
    writeFileSync(
      join(dir, `f${f}.test.js`),
      `test("${jobs} jobs of 20 tokens", async () => {\n  for (let k = 0; k < ${jobs}; k++)\n    expect(await worker.execute({ job_id: "j" + k, prompt: "hi", max_tokens: 20 })).toHaveTokenCount(20);\n});\n`,
    );
  return dir;
}

/** GATE_SPINNERS (default 2) processes that keep the cores busy until stopped. */
function load() {
  const spinners = Array.from({ length: Number(process.env.GATE_SPINNERS ?? 2) }, () =>
    spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore", detached: false }),
  );
  return () => {
    for (const s of spinners) s.kill("SIGKILL");
  };
}

let k = 0;
/** One run of a series' suite at `interval` ms a token; its report. */
function run(series, interval, busy) {
  const name = `${series.name}-${k++}`;
  const keep = KEEP ? join(KEEP, `${name}.json`) : undefined;
  if (REPLAY) return JSON.parse(readFileSync(keep, "utf8"));
  const dir = join(work, name);
  const env = { ...process.env, FORCE_COLOR: "0", WORKER_ORCD_REPORT_DIR: dir };
  env.WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS = String(interval);
  const args =
    series.suite === "example"
      ? ["--ci", "--silent", "--config", "examples/jest.config.js"]
      : ["--ci", "--silent", "--config", join(generated(series.suite), "jest.config.js")];
  const stop = busy ? load() : () => undefined;
  let r;
  try {
    r = spawnSync(process.execPath, [JEST, ...args], { cwd: ROOT, env, encoding: "utf8" });
  } finally {
    stop();
  }
  if (r.status !== 0) throw new Error(`the suite failed (${name}):\n${r.stdout}${r.stderr}`);
  const report = JSON.parse(readFileSync(join(dir, "worker-orcd-report.json"), "utf8"));
  if (keep) {
    mkdirSync(KEEP, { recursive: true });
    writeFileSync(keep, JSON.stringify(report));
  }
  return report;
}

const median = (v) => percentiles(v).p50;
const counted = (r) => r.files.flatMap((f) => f.jobs).filter((j) => !j.warmup);
/** The run's figures beside its reference's, for the correlation. */
function figures(r) {
  return {
    ttft: median(counted(r).map((j) => j.ttftMs)),
    tpot: median(counted(r).map((j) => j.tpotMs)),
    refTtft: median(r.pace?.ttftMs ?? []),
    refTpot: median(r.pace?.tpotMs ?? []),
    cpu: median(r.pace?.cpuMs ?? []),
  };
}

/** Pearson's r of two lists. */
function correlation(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return Math.round((sxy / Math.sqrt(sxx * syy)) * 100) / 100;
}

const started = Date.now();
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0].model}`,
  spinners: Number(process.env.GATE_SPINNERS ?? 2),
};
const points = [];
try {
  for (const series of SERIES) {
    const baseline = run(series, series.pace, false);
    points.push(figures(baseline));
    const out = { pace: series.pace, slowed: series.slowed, runs: series.runs, busy: series.busy };
    for (const [kind, interval] of [
      ["identical", series.pace],
      ["slowed", series.slowed],
    ]) {
      const tally = { flagged: 0, withheld: 0, passed: 0, lines: [] };
      for (let i = 0; i < series.runs; i++) {
        const report = run(series, interval, series.busy);
        points.push(figures(report));
        // GATE_NO_PACE=1: judge without the machine's pace (as the gate did before it had one), for comparison.
        const strip = (r) => (process.env.GATE_NO_PACE === "1" ? { ...r, pace: undefined } : r);
        const result = compareWithBaseline(strip(report), strip(baseline));
        const withheld = nothingJudged(result, report, baseline);
        const verdict = withheld ? "WITHHELD" : result.regressions.length ? "REGRESSED" : "ok";
        tally[withheld ? "withheld" : result.regressions.length ? "flagged" : "passed"]++;
        const what = result.regressions.map((c) => `${c.what} ${c.figure} ${(c.change * 100).toFixed(0)} %`);
        const f = figures(report);
        const line = `${series.name} ${kind} ${i + 1}/${series.runs}: ${verdict}${what.length ? ` (${what.join("; ")})` : ""}${withheld ? ` (${withheld})` : ""}; TPOT ${f.tpot?.toFixed(2)} ms, reference TPOT ${f.refTpot?.toFixed(2)} ms, CPU probe ${f.cpu?.toFixed(1)} ms`;
        console.log(line);
        tally.lines.push(line);
      }
      out[kind] = tally;
    }
    results[series.name] = out;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const usable = points.filter((p) =>
  [p.ttft, p.tpot, p.refTtft, p.refTpot].every((v) => typeof v === "number"),
);
results.correlation = {
  runs: usable.length,
  ttftWithReferenceTtft: correlation(
    usable.map((p) => p.ttft),
    usable.map((p) => p.refTtft),
  ),
  tpotWithReferenceTpot: correlation(
    usable.map((p) => p.tpot),
    usable.map((p) => p.refTpot),
  ),
};
const summary = SERIES.flatMap((s) => {
  const r = results[s.name];
  return [
    `${s.name}: identical runs (${s.pace} ms a token${s.busy ? ", both cores busy" : ""}): ${r.identical.flagged} of ${s.runs} flagged, ${r.identical.withheld} withheld`,
    `${s.name}: slowed runs (${s.pace} -> ${s.slowed} ms): ${r.slowed.flagged} of ${s.runs} caught, ${r.slowed.withheld} withheld`,
  ];
});
summary.push(
  `correlation over ${results.correlation.runs} runs: TTFT with the reference's TTFT r = ${results.correlation.ttftWithReferenceTtft}; TPOT with the reference's TPOT r = ${results.correlation.tpotWithReferenceTpot}`,
);
console.log(`\n${summary.join("\n")}\nfinished in ${Math.round((Date.now() - started) / 1000)} s`);
// A replay says so in its results: the reports are the kept runs', the verdicts the gate's of now.
if (REPLAY) results.replayed = `the reports kept in ${REPLAY}, judged again`;
writeFileSync(
  process.env.GATE_RESULTS ?? join(__dirname, "gate-results.json"),
  `${JSON.stringify({ ...results, summary }, null, 2)}\n`,
);
