#!/usr/bin/env node
// The baseline gate against noise and against a real slowdown (issue 20, item 3): one run of the example suite
// against the mock is the baseline; GATE_RUNS (20) identical runs are compared with it (each regression is a false
// alarm), then GATE_RUNS runs with the mock's token interval raised by 30 % (each run without one is a miss).
// GATE_INTERVAL_MS (10) is the mock's token interval; GATE_IDENTICAL_DEFAULT=1 adds identical runs at the mock's
// default interval (1 ms). Prints a line per run and the two figures; writes bench/gate-results.json.
const { spawnSync } = require("node:child_process");
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");
const { compareWithBaseline } = require(join(ROOT, "dist", "report", "baseline.js"));
const JEST = require.resolve("jest/bin/jest");
const RUNS = Number(process.env.GATE_RUNS ?? 20);
const INTERVAL = Number(process.env.GATE_INTERVAL_MS ?? 10);
const SLOWED = Math.round(INTERVAL * 1.3);
const work = mkdtempSync(join(tmpdir(), "wojest-gate-"));

/** One run of the example suite with the mock's token interval at `interval` ms (undefined: the mock's default). */
function exampleRun(interval, k) {
  const dir = join(work, `run-${k}`);
  const env = { ...process.env, FORCE_COLOR: "0", WORKER_ORCD_REPORT_DIR: dir };
  if (interval !== undefined) env.WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS = String(interval);
  const r = spawnSync(process.execPath, [JEST, "--ci", "--silent", "--config", "examples/jest.config.js"], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`the example suite failed:\n${r.stdout}${r.stderr}`);
  return JSON.parse(readFileSync(join(dir, "worker-orcd-report.json"), "utf8"));
}

let k = 0;
/** `runs` runs at `interval` against a fresh baseline at `baseInterval`; how many had a regression, and which. */
function series(name, baseInterval, interval) {
  const baseline = exampleRun(baseInterval, k++);
  let flagged = 0;
  const lines = [];
  for (let i = 0; i < RUNS; i++) {
    const result = compareWithBaseline(exampleRun(interval, k++), baseline);
    if (result.regressions.length) flagged++;
    const what = result.regressions
      .map((c) => `${c.what} ${c.figure} ${(c.change * 100).toFixed(0)} %`)
      .join("; ");
    const line = `${name} ${i + 1}/${RUNS}: ${result.regressions.length ? `REGRESSED (${what})` : "ok"}; judged ${result.compared.length - result.unjudged.length}`;
    console.log(line);
    lines.push(line);
  }
  return { baseInterval, interval, runs: RUNS, flagged, lines };
}

const started = Date.now();
const results = { date: new Date().toISOString(), node: process.version };
try {
  results.identical = series("identical", INTERVAL, INTERVAL);
  results.slowed = series(`slowed ${INTERVAL} -> ${SLOWED} ms`, INTERVAL, SLOWED);
  if (process.env.GATE_IDENTICAL_DEFAULT === "1")
    results.identicalDefault = series("identical (1 ms)", undefined, undefined);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const summary = [
  `identical runs (token interval ${INTERVAL} ms): ${results.identical.flagged} of ${RUNS} flagged (false regressions)`,
  `slowed runs (${INTERVAL} -> ${SLOWED} ms, +30 %): ${results.slowed.flagged} of ${RUNS} caught`,
  ...(results.identicalDefault
    ? [`identical runs (the mock's default 1 ms): ${results.identicalDefault.flagged} of ${RUNS} flagged`]
    : []),
];
console.log(`\n${summary.join("\n")}\nfinished in ${Math.round((Date.now() - started) / 1000)} s`);
writeFileSync(join(__dirname, "gate-results.json"), `${JSON.stringify({ ...results, summary }, null, 2)}\n`);
