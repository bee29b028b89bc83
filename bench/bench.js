#!/usr/bin/env node

/**
 * npm run bench: the harness's costs, each beside a baseline taken in the same
 * run. Prints a table (min / median / max) and a final JSON line, also written
 * to bench/results.json. Loopback only; bounded in time.
 */
const { spawn } = require("node:child_process");
const { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } = require("node:fs");
const { cpus, tmpdir } = require("node:os");
const { join } = require("node:path");
const { summary, repeat, printTable } = require("./stats");

const ROOT = join(__dirname, "..");
const { WorkerProcess } = require(join(ROOT, "dist", "worker", "worker-process.js"));
const { decodeEventStream } = require(join(ROOT, "dist", "client", "event-stream.js"));
const { EventSink } = require(join(ROOT, "dist", "client", "event-sink.js"));
const { isAlive } = require(join(ROOT, "dist", "worker", "processes.js"));
const JEST = require.resolve("jest/bin/jest");
const REPS = Number(process.env.BENCH_REPS ?? 7);
const rows = [];
const results = {};

function run(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ ms: performance.now() - t0, code, out }));
  });
}

function record(key, measure, unit, values, note) {
  const s = summary(values);
  rows.push({ measure, unit, ...s, note });
  results[key] = s.median;
  return s;
}

const mock = (extra = {}) =>
  WorkerProcess.start({
    binary: "mock",
    model: "mock",
    gpuDevice: 0,
    startupTimeoutMs: 20000,
    shutdownGraceMs: 1000,
    ...extra,
  });

async function spawnToReady() {
  const baselineScript =
    "require('http').createServer().listen(0, '127.0.0.1', function () { this.close(); process.exit(0); })";
  await run(process.execPath, ["-e", baselineScript]);
  const base = [];
  const ours = [];
  // Interleaved, so the drift of a shared machine falls on both alike.
  for (let k = 0; k < REPS; k++) {
    base.push((await run(process.execPath, ["-e", baselineScript])).ms);
    const t0 = performance.now();
    const w = await mock();
    ours.push(performance.now() - t0);
    await w.stop();
  }
  const b = record("node_http_listen_ms", "baseline: node -e http listen", "ms", base);
  const o = record(
    "mock_spawn_to_ready_ms",
    "mock worker: spawn to ready",
    "ms",
    ours,
    "target <= 1.3x baseline",
  );
  results.spawn_ratio = o.median / b.median;
}

const TRIVIAL = `test("trivial", () => { expect(1 + 1).toBe(2); });\n`;

function project(config, files, body = TRIVIAL) {
  const dir = mkdtempSync(join(tmpdir(), "wojest-bench-"));
  writeFileSync(
    join(dir, "jest.config.js"),
    `module.exports = ${JSON.stringify({ rootDir: dir, ...config })};`,
  );
  for (let k = 0; k < files; k++) writeFileSync(join(dir, `t${k}.test.js`), body);
  return dir;
}

const PRESET = join(ROOT, "jest-preset.js");
const presetWith = (workerOrcd) => ({ preset: PRESET, testEnvironmentOptions: { workerOrcd } });

async function jestWall(dir, args) {
  const r = await run(process.execPath, [JEST, "--ci", "--silent", ...args], {
    cwd: dir,
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  if (r.code !== 0) throw new Error(`jest failed in ${dir}:\n${r.out}`);
  return r.ms;
}

/**
 * In-band wall times of each project, once to warm up, then REPS rounds
 * interleaved, so the drift of a shared machine falls on every configuration alike.
 */
async function interleavedWalls(dirs) {
  for (const dir of Object.values(dirs)) await jestWall(dir, ["--runInBand"]);
  const wall = Object.fromEntries(Object.keys(dirs).map((name) => [name, []]));
  for (let k = 0; k < Math.max(3, REPS); k++)
    for (const [name, dir] of Object.entries(dirs)) wall[name].push(await jestWall(dir, ["--runInBand"]));
  return wall;
}

/**
 * Per-file overhead as a marginal cost: the slope of wall time over file count
 * (1 and 7 files, in band) for the preset minus the slope for plain
 * jest-environment-node. One-time costs (global setup, loading the preset) are
 * reported apart, as the difference at 1 file.
 */
async function perFileOverhead() {
  const MANY = 7;
  const dirs = {
    plain1: project({ testEnvironment: "node", transform: {} }, 1),
    plainN: project({ testEnvironment: "node", transform: {} }, MANY),
    preset1: project({ preset: join(ROOT, "jest-preset.js") }, 1),
    presetN: project({ preset: join(ROOT, "jest-preset.js") }, MANY),
    process1: project(presetWith({ scope: "process" }), 1),
    processN: project(presetWith({ scope: "process" }), MANY),
  };
  try {
    const wall = await interleavedWalls(dirs);
    const med = (name) => summary(wall[name]).median;
    record("plain_jest_1_file_ms", "baseline: jest-environment-node, 1 file in band", "ms", wall.plain1);
    record(
      `plain_jest_${MANY}_files_ms`,
      `baseline: jest-environment-node, ${MANY} files in band`,
      "ms",
      wall.plainN,
    );
    record("preset_jest_1_file_ms", "preset (a mock worker per file), 1 file in band", "ms", wall.preset1);
    record(
      `preset_jest_${MANY}_files_ms`,
      `preset (a mock worker per file), ${MANY} files in band`,
      "ms",
      wall.presetN,
    );
    record("process_jest_1_file_ms", 'preset, scope "process", 1 file in band', "ms", wall.process1);
    record(
      `process_jest_${MANY}_files_ms`,
      `preset, scope "process", ${MANY} files in band`,
      "ms",
      wall.processN,
    );
    const plainSlope = (med("plainN") - med("plain1")) / (MANY - 1);
    const presetSlope = (med("presetN") - med("preset1")) / (MANY - 1);
    const processSlope = (med("processN") - med("process1")) / (MANY - 1);
    results.process_overhead_per_file_ms = processSlope - plainSlope;
    results.plain_per_file_ms = plainSlope;
    results.preset_per_file_ms = presetSlope;
    results.preset_overhead_per_file_ms = presetSlope - plainSlope;
    results.preset_per_file_ratio = presetSlope / plainSlope;
    results.preset_fixed_overhead_ms = med("preset1") - med("plain1");
    const perRep = wall.presetN.map(
      (v, k) => (v - wall.preset1[k] - (wall.plainN[k] - wall.plain1[k])) / (MANY - 1),
    );
    const s = summary(perRep);
    rows.push({
      ...s,
      median: results.preset_overhead_per_file_ms,
      measure: "preset overhead per file (marginal)",
      unit: "ms",
      note: 'scope "file"; target <= +60 ms',
    });
    rows.push({
      ...summary(
        wall.processN.map((v, k) => (v - wall.process1[k] - (wall.plainN[k] - wall.plain1[k])) / (MANY - 1)),
      ),
      median: results.process_overhead_per_file_ms,
      measure: 'preset overhead per file (marginal), scope "process"',
      unit: "ms",
      note: "target <= +10 ms",
    });
    rows.push({
      ...summary(wall.preset1.map((v, k) => v - wall.plain1[k])),
      median: results.preset_fixed_overhead_ms,
      measure: "preset one-time overhead (1 file, JS only)",
      unit: "ms",
      note: "target <= +200 ms",
    });
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

async function sseThroughput() {
  const TOKENS = 100_000;
  const w = await mock({
    extraArgs: ["--token-interval-ms", "0", "--eos-after", "0", "--max-tokens-out", String(TOKENS)],
    requestTimeoutMs: 120000,
  });
  try {
    const request = { job_id: "bench", prompt: "throughput", max_tokens: TOKENS, seed: 1 };
    const raw = await w.client.executeRaw(request, { timeoutMs: 120000 });
    const bytes = Buffer.from(raw.text, "utf8");
    const dataLines = raw.text.split("\n").filter((l) => l.startsWith("data: "));
    // One unmeasured run of each first (dropped below), so both are measured with a warm JIT.
    const base = await repeat(REPS + 1, () => {
      const t0 = performance.now();
      for (const line of dataLines) JSON.parse(line.slice(6));
      return performance.now() - t0;
    });
    const decode = await repeat(REPS + 1, async () => {
      const body = new ReadableStream({
        start(c) {
          for (let k = 0; k < bytes.length; k += 65536) c.enqueue(bytes.subarray(k, k + 65536));
          c.close();
        },
      });
      const events = new EventSink();
      const t0 = performance.now();
      for await (const batch of decodeEventStream(
        body,
        { jobId: "bench", idleTimeoutMs: 30000, afterTerminalMs: 0 },
        events,
      ))
        void batch;
      const ms = performance.now() - t0;
      if (events.length !== dataLines.length)
        throw new Error(`decoded ${events.length} events, expected ${dataLines.length}`);
      return ms;
    });
    const timedExecute = async () => {
      const t0 = performance.now();
      const events = await w.client.execute(request, { timeoutMs: 120000 });
      const ms = performance.now() - t0;
      if (events.filter((e) => e.type === "token").length !== TOKENS) throw new Error("lost tokens");
      return ms;
    };
    // Interleaved with and without the run report's collection (a listener on the ledger), so drift falls on both.
    const e2e = [];
    const collected = [];
    const records = [];
    for (let k = 0; k < Math.max(3, Math.ceil(REPS / 2)); k++) {
      w.client.jobs.onJob = undefined;
      e2e.push(await timedExecute());
      w.client.jobs.onJob = (r) => records.push(r);
      collected.push(await timedExecute());
    }
    w.client.jobs.onJob = undefined;
    if (records.some((r) => r.tokens !== TOKENS)) throw new Error("the report's job record lost tokens");
    base.shift();
    decode.shift();
    const b = record(
      "json_parse_100k_ms",
      `baseline: JSON.parse of ${dataLines.length} data lines`,
      "ms",
      base,
    );
    const d = record(
      "sse_decode_100k_ms",
      "client SSE decode of the same bytes (64 KiB chunks)",
      "ms",
      decode,
      "target <= 3x baseline",
    );
    const e = record(
      "execute_100k_end_to_end_ms",
      "execute(): 100k tokens from the mock, zero pace",
      "ms",
      e2e,
    );
    const c = record(
      "execute_100k_collected_ms",
      "execute(): the same, with the run report's collection on",
      "ms",
      collected,
      "same as without, within noise",
    );
    results.collection_ratio = c.median / e.median;
    results.sse_decode_ratio = d.median / b.median;
    results.sse_decode_events_per_s = dataLines.length / (d.median / 1000);
    results.execute_events_per_s = dataLines.length / (e.median / 1000);
  } finally {
    await w.stop();
  }
}

async function teardown() {
  const coop = await repeat(REPS, async () => (await (await mock()).stop()).ms);
  record("teardown_cooperative_ms", "teardown: cooperative mock worker", "ms", coop, "target <= 100 ms");
  const grace = 500;
  let survivors = 0;
  const stubborn = await repeat(Math.max(3, Math.ceil(REPS / 2)), async () => {
    const w = await mock({ env: { WORKER_ORCD_MOCK_FAULT: "ignore-sigterm" }, shutdownGraceMs: grace });
    const report = await w.stop();
    if (isAlive(-w.pid)) survivors++;
    return report.ms;
  });
  record(
    "teardown_stubborn_ms",
    `teardown: ignores SIGTERM + child (grace ${grace} ms)`,
    "ms",
    stubborn,
    "target <= grace + 200 ms",
  );
  results.teardown_stubborn_over_grace_ms = results.teardown_stubborn_ms - grace;
  results.teardown_stubborn_survivors = survivors;
}

async function cancelLatency() {
  const w = await mock({ extraArgs: ["--token-interval-ms", "5", "--eos-after", "0"] });
  try {
    const lat = await repeat(Math.max(20, REPS * 3), async (k) => {
      const jobId = `cancel-${k}`;
      const running = w.client.execute({ job_id: jobId, prompt: "cancel me", max_tokens: 2048 });
      await new Promise((r) => setTimeout(r, 30));
      const t0 = performance.now();
      await w.client.cancel(jobId);
      const events = await running;
      return events[events.length - 1].receivedAt - t0;
    });
    const s = record(
      "cancel_latency_ms",
      "cancel: /cancel to terminal event (5 ms/token)",
      "ms",
      lat,
      "target p95 <= 100 ms",
    );
    results.cancel_latency_p95_ms = s.p95;
  } finally {
    await w.stop();
  }
}

async function scale() {
  const preset = join(ROOT, "jest-preset.js");
  const walls = {};
  for (const files of [1, 10, 40]) {
    const dir = project({ preset }, files);
    try {
      await jestWall(dir, ["--maxWorkers=2"]);
      const w = await repeat(2, () => jestWall(dir, ["--maxWorkers=2"]));
      walls[files] = record(
        `scale_${files}_files_ms`,
        `scale: ${files} file(s), --maxWorkers=2`,
        "ms",
        w,
      ).median;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  results.scale_per_file_ms_1_to_10 = (walls[10] - walls[1]) / 9;
  results.scale_per_file_ms_10_to_40 = (walls[40] - walls[10]) / 30;
}

/** Whole run of 8 trivial files at --maxWorkers=2: plain Jest, the preset (scope "file"), the preset (scope "process"). */
async function wholeRun() {
  const dirs = {
    plain: project({ testEnvironment: "node", transform: {} }, 8),
    file: project({ preset: PRESET }, 8),
    process: project(presetWith({ scope: "process" }), 8),
  };
  try {
    for (const dir of Object.values(dirs)) await jestWall(dir, ["--maxWorkers=2"]);
    const wall = { plain: [], file: [], process: [] };
    // Interleaved, so drift on a shared machine falls on all three alike.
    for (let k = 0; k < REPS; k++)
      for (const [name, dir] of Object.entries(dirs))
        wall[name].push(await jestWall(dir, ["--maxWorkers=2"]));
    const p = record(
      "whole_run_plain_ms",
      "baseline: 8 trivial files, --maxWorkers=2, plain",
      "ms",
      wall.plain,
    );
    const f = record(
      "whole_run_file_ms",
      '8 trivial files, --maxWorkers=2, preset scope "file"',
      "ms",
      wall.file,
      "target <= 1.5x",
    );
    const q = record(
      "whole_run_process_ms",
      '8 trivial files, --maxWorkers=2, preset scope "process"',
      "ms",
      wall.process,
      "target <= 1.25x",
    );
    results.whole_run_file_ratio = f.median / p.median;
    results.whole_run_process_ratio = q.median / p.median;
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A Vitest project of `files` trivial files: plain (no plugin) or with the plugin (`workerOrcd()`). */
function vitestProject(files, withPlugin, shared = false) {
  const dir = mkdtempSync(join(tmpdir(), "wojest-bench-vitest-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "worker-orcd-jest"));
  symlinkSync(join(ROOT, "node_modules", "vitest"), join(dir, "node_modules", "vitest"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench", private: true, type: "module" }));
  writeFileSync(
    join(dir, "vitest.config.js"),
    withPlugin
      ? `import { defineConfig } from "vitest/config";\nimport { workerOrcd } from "worker-orcd-jest/vitest/config";\nexport default defineConfig({ plugins: [workerOrcd(${shared ? '{ scope: "process" }' : ""})]${shared ? ", test: { isolate: false }" : ""} });\n`
      : 'import { defineConfig } from "vitest/config";\nexport default defineConfig({});\n',
  );
  const body = 'import { expect, test } from "vitest";\ntest("trivial", () => { expect(1 + 1).toBe(2); });\n';
  for (let k = 0; k < files; k++) writeFileSync(join(dir, `t${k}.test.js`), body);
  return dir;
}

async function vitestWall(dir) {
  const r = await run(
    process.execPath,
    [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--maxWorkers=2", "--silent"],
    {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    },
  );
  if (r.code !== 0) throw new Error(`vitest failed in ${dir}:\n${r.out}`);
  return r.ms;
}

/**
 * The integration's cost under each runner, side by side in one run: 8 trivial files at 2 workers under
 * plain Jest, the preset, plain Vitest and Vitest with the plugin (a worker per file in both), interleaved.
 */
async function runners() {
  const dirs = {
    jest: project({ testEnvironment: "node", transform: {} }, 8),
    preset: project({ preset: PRESET }, 8),
    vitest: vitestProject(8, false),
    plugin: vitestProject(8, true),
    shared: vitestProject(8, true, true),
  };
  const wallOf = (name, dir) =>
    name === "jest" || name === "preset" ? jestWall(dir, ["--maxWorkers=2"]) : vitestWall(dir);
  try {
    for (const [name, dir] of Object.entries(dirs)) await wallOf(name, dir);
    const wall = Object.fromEntries(Object.keys(dirs).map((name) => [name, []]));
    for (let k = 0; k < REPS; k++)
      for (const [name, dir] of Object.entries(dirs)) wall[name].push(await wallOf(name, dir));
    const j = record(
      "runners_jest_plain_ms",
      "baseline: 8 trivial files, 2 workers, plain Jest",
      "ms",
      wall.jest,
    );
    const p = record(
      "runners_jest_preset_ms",
      "8 trivial files, 2 workers, the Jest preset",
      "ms",
      wall.preset,
    );
    const v = record(
      "runners_vitest_plain_ms",
      "baseline: 8 trivial files, 2 workers, plain Vitest",
      "ms",
      wall.vitest,
    );
    const q = record(
      "runners_vitest_plugin_ms",
      "8 trivial files, 2 workers, Vitest with the plugin",
      "ms",
      wall.plugin,
      "target: cost over plain Vitest <= the preset's over plain Jest",
    );
    const sh = record(
      "runners_vitest_shared_ms",
      '8 trivial files, 2 workers, Vitest with the plugin, isolate: false, scope "process"',
      "ms",
      wall.shared,
    );
    results.runners_vitest_shared_ratio = sh.median / v.median;
    results.runners_vitest_shared_added_ms = sh.median - v.median;
    results.runners_jest_ratio = p.median / j.median;
    results.runners_vitest_ratio = q.median / v.median;
    results.runners_jest_added_ms = p.median - j.median;
    results.runners_vitest_added_ms = q.median - v.median;
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A real-style suite: 10 files at --maxWorkers=2 against a worker whose load takes 2 s, scope "file" against "process". */
async function realStyle() {
  const body = `test("uses its worker", async () => { expect((await worker.health()).status).toBe("healthy"); });\n`;
  // prestart: false: a real worker is never started ahead, and this suite stands for one.
  const options = { mode: "mock", mockArgs: ["--load-time-ms", "2000"], prestart: false };
  const dirs = {
    file: project(presetWith(options), 10, body),
    process: project(presetWith({ ...options, scope: "process" }), 10, body),
  };
  try {
    const wall = { file: [], process: [] };
    const loads = {};
    for (let k = 0; k < Math.max(2, Math.ceil(REPS / 3)); k++) {
      for (const [name, dir] of Object.entries(dirs)) {
        const r = await run(process.execPath, [JEST, "--ci", "--maxWorkers=2"], {
          cwd: dir,
          env: { ...process.env, FORCE_COLOR: "0" },
        });
        if (r.code !== 0) throw new Error(`jest failed in ${dir}:\n${r.out}`);
        wall[name].push(r.ms);
        loads[name] = Number(/(\d+) worker\(s\) started/.exec(r.out)?.[1]);
      }
    }
    const f = record(
      "real_style_file_ms",
      'real-style: 10 files, 2 s load, --maxWorkers=2, scope "file"',
      "ms",
      wall.file,
      `${loads.file} loads`,
    );
    const q = record(
      "real_style_process_ms",
      'real-style: 10 files, 2 s load, --maxWorkers=2, scope "process"',
      "ms",
      wall.process,
      `${loads.process} loads; target 2 loads, < 40 % of "file"`,
    );
    results.real_style_file_loads = loads.file;
    results.real_style_process_loads = loads.process;
    results.real_style_ratio = q.median / f.median;
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Attached to a running worker: per-file overhead as a marginal cost (1 and 7 files in band), beside
 * plain jest-environment-node. Nothing is spawned per file, so the preset's cost is one `/health` probe.
 */
async function attached() {
  const MANY = 7;
  const worker = await mock();
  const dirs = {
    plain1: project({ testEnvironment: "node", transform: {} }, 1),
    plainN: project({ testEnvironment: "node", transform: {} }, MANY),
    att1: project(presetWith({ url: worker.baseUrl }), 1),
    attN: project(presetWith({ url: worker.baseUrl }), MANY),
  };
  try {
    const wall = await interleavedWalls(dirs);
    const perRep = wall.attN.map(
      (v, k) => (v - wall.att1[k] - (wall.plainN[k] - wall.plain1[k])) / (MANY - 1),
    );
    const s = record(
      "attached_overhead_per_file_ms",
      "preset attached to a running worker: overhead per file (marginal)",
      "ms",
      perRep,
      "target within 10 ms of plain Jest",
    );
    results.attached_overhead_per_file_ms = s.median;
  } finally {
    await worker.stop();
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads a run paid, from the teardown summary ("N worker(s) started"). */
const loadsOf = (out) => Number(/(\d+) worker\(s\) started/.exec(out)?.[1] ?? Number.NaN);

/** One Jest run at --maxWorkers=2 in `dir` with `env`; its wall time and the loads it paid. */
async function jestRun(dir, env = {}) {
  const r = await run(process.execPath, [JEST, "--ci", "--maxWorkers=2"], {
    cwd: dir,
    env: { ...process.env, FORCE_COLOR: "0", ...env },
  });
  if (r.code !== 0) throw new Error(`jest failed in ${dir}:\n${r.out}`);
  return { ms: r.ms, loads: loadsOf(r.out) };
}

/**
 * Reuse: a 10-file suite at --maxWorkers=2 whose worker loads in 5 s. The first run pays the loads; each
 * later run takes the pooled workers (0 loads), its wall beside plain jest-environment-node on the same files. Then
 * two concurrent runs against one pool, and what is left after expiry.
 */
async function reused() {
  const body = `test("uses its worker when it has one", async () => {
  if (globalThis.worker) expect((await worker.health()).status).toBe("healthy");
  else expect(1 + 1).toBe(2);
});\n`;
  const pool = mkdtempSync(join(tmpdir(), "wojest-bench-pool-"));
  const env = { WORKER_ORCD_JEST_POOL: pool };
  const options = { mode: "mock", mockArgs: ["--load-time-ms", "5000"], reuse: true, reuseIdleMs: 60000 };
  const dirs = {
    plain: project({ testEnvironment: "node", transform: {} }, 10, body),
    reuse: project(presetWith(options), 10, body),
  };
  const { workersMain, workerRows } = require(join(ROOT, "dist", "scope", "pool", "workers-cli.js"));
  const sink = { write: () => true };
  try {
    const first = await jestRun(dirs.reuse, env);
    const plain = [];
    const warm = [];
    const warmLoads = [];
    for (let k = 0; k < Math.max(3, REPS); k++) {
      plain.push((await jestRun(dirs.plain)).ms);
      const r = await jestRun(dirs.reuse, env);
      warm.push(r.ms);
      warmLoads.push(r.loads);
    }
    record(
      "reuse_first_run_ms",
      "reuse: 10 files, 5 s load, --maxWorkers=2, first run",
      "ms",
      [first.ms],
      `${first.loads} loads`,
    );
    const p = record(
      "reuse_plain_ms",
      "baseline: the same 10 files, plain jest-environment-node",
      "ms",
      plain,
    );
    const w = record(
      "reuse_warm_run_ms",
      "reuse: the same suite, each later run",
      "ms",
      warm,
      `${Math.max(...warmLoads)} loads at most; target 0 loads, <= 1.2x plain`,
    );
    results.reuse_first_run_loads = first.loads;
    results.reuse_warm_run_loads_max = Math.max(...warmLoads);
    results.reuse_warm_ratio = w.median / p.median;

    // Two runs at once against the pool of 2: each takes its own workers, together they start only what the pool
    // lacks; they hand back with a 2 s idle limit, and the janitor ends every one of them at expiry, with no run after.
    const short = { ...options, reuseIdleMs: 2000 };
    const twins = [project(presetWith(short), 10, body), project(presetWith(short), 10, body)];
    try {
      const before = workerRows(pool).length;
      const t0 = performance.now();
      const both = await Promise.all(twins.map((dir) => jestRun(dir, env)));
      const concurrentMs = performance.now() - t0;
      const pids = workerRows(pool).map((r) => r.pid);
      record(
        "reuse_concurrent_ms",
        "reuse: two concurrent runs against one pool of 2 warm workers",
        "ms",
        [concurrentMs],
        `loads ${both[0].loads} + ${both[1].loads} (the pool held ${before}); target 2 in all`,
      );
      results.reuse_concurrent_loads = both[0].loads + both[1].loads;
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline && (workerRows(pool).length > 0 || pids.some(isAlive)))
        await new Promise((r) => setTimeout(r, 200));
      results.reuse_survivors_after_expiry = pids.filter(isAlive).length + workerRows(pool).length;
    } finally {
      for (const dir of twins) rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await workersMain(["stop", "--all", "--force"], sink, sink, pool).catch(() => {});
    rmSync(pool, { recursive: true, force: true });
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The llama engine, each figure beside the mock's in the same run: spawn to ready with a written model,
 * TTFT and tokens/s of 256-token jobs (greedy, one thread), the worker's RSS, and a 10-file suite on each.
 */
async function llama() {
  process.env.WORKER_ORCD_LLAMA_PATH ??= join(ROOT, ".llama");
  const { findNodeLlamaCpp } = require(join(ROOT, "dist", "mock", "llama", "load.js"));
  if (!findNodeLlamaCpp()) {
    console.log("llama: skipped, node-llama-cpp is not installed (npm run bench installs it into .llama/)");
    return;
  }
  const { writeLlamaModel } = require(join(ROOT, "dist", "gguf", "llama-model.js"));
  const { residentBytes } = require(join(ROOT, "dist", "worker", "processes.js"));
  const dir = mkdtempSync(join(tmpdir(), "wojest-bench-llama-"));
  const model = join(dir, "looping.gguf");
  writeLlamaModel(model, { text: "The quick brown fox jumps over the lazy dog.", eos: false });
  const engine = (extra = {}) =>
    mock({ model, extraArgs: ["--engine", "llama"], startupTimeoutMs: 60000, ...extra });
  const fixed = (extra = {}) =>
    mock({ extraArgs: ["--token-interval-ms", "0", "--eos-after", "0"], ...extra });
  const ready = { mock: [], llama: [] };
  for (let k = 0; k < Math.min(REPS, 5); k++) {
    for (const [name, start] of [
      ["mock", fixed],
      ["llama", engine],
    ]) {
      const t0 = performance.now();
      const w = await start();
      ready[name].push(performance.now() - t0);
      await w.stop();
    }
  }
  const m = record("llama_mock_spawn_ms", "baseline: mock spawn to ready", "ms", ready.mock);
  const l = record("llama_spawn_ms", "llama engine: spawn to ready (written model)", "ms", ready.llama);
  results.llama_spawn_ratio = l.median / m.median;

  const streams = async (w, name) => {
    const ttft = [];
    const rate = [];
    for (let k = 0; k < 8; k++) {
      const t0 = performance.now();
      let first;
      let n = 0;
      for await (const e of w.client.stream({
        job_id: `${name}-${k}`,
        prompt: "x",
        max_tokens: 256,
        temperature: 0,
      })) {
        if (e.type !== "token") continue;
        first ??= performance.now();
        n++;
      }
      ttft.push(first - t0);
      rate.push(n / ((performance.now() - first) / 1000));
    }
    return { ttft, rate, rss: residentBytes(w.pid) / 2 ** 20 };
  };
  const wm = await fixed();
  const wl = await engine();
  try {
    const a = await streams(wm, "mock");
    const b = await streams(wl, "llama");
    record("llama_mock_ttft_ms", "baseline: mock TTFT (no pace)", "ms", a.ttft);
    record("llama_ttft_ms", "llama engine: TTFT (1 thread)", "ms", b.ttft);
    record("llama_mock_tokens_per_sec", "baseline: mock tokens/s (no pace)", "tok/s", a.rate);
    record("llama_tokens_per_sec", "llama engine: tokens/s (1 thread, 256-token jobs)", "tok/s", b.rate);
    record("llama_mock_rss_mib", "baseline: mock worker RSS", "MiB", [a.rss]);
    record("llama_rss_mib", "llama engine worker RSS", "MiB", [b.rss]);
  } finally {
    await wm.stop();
    await wl.stop();
  }

  const body = `test("a 32-token job", async () => {
  const events = await worker.execute({ job_id: "j", prompt: "x", max_tokens: 32, temperature: 0 });
  expect(events).toCompleteSuccessfully();
});\n`;
  const dirs = {
    mock: project(presetWith({ mode: "mock", mockArgs: ["--token-interval-ms", "0"] }), 10, body),
    llama: project(presetWith({ mode: "llama", model }), 10, body),
    llamaProcess: project(presetWith({ mode: "llama", model, scope: "process" }), 10, body),
  };
  try {
    const wall = { mock: [], llama: [], llamaProcess: [] };
    for (let k = 0; k < 3; k++)
      for (const name of Object.keys(wall))
        wall[name].push((await jestRun(dirs[name], { WORKER_ORCD_JEST_POOL: join(dir, "pool") })).ms);
    const sm = record(
      "llama_suite_mock_ms",
      "baseline: 10-file suite on the mock (2 workers)",
      "ms",
      wall.mock,
    );
    const sl = record("llama_suite_ms", "10-file suite on the llama engine (2 workers)", "ms", wall.llama);
    results.llama_suite_ratio = sl.median / sm.median;
    const sp = record(
      "llama_suite_process_ms",
      '10-file suite on the llama engine, scope "process"',
      "ms",
      wall.llamaProcess,
    );
    results.llama_suite_process_ratio = sp.median / sm.median;
  } finally {
    for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const started = performance.now();
  console.log(
    `worker-orcd-jest bench: node ${process.version}, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ""}, ${REPS} reps\n`,
  );
  const sections = {
    spawnToReady,
    perFileOverhead,
    wholeRun,
    runners,
    realStyle,
    sseThroughput,
    teardown,
    cancelLatency,
    scale,
    attached,
    reused,
    llama,
  };
  const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(",") : Object.keys(sections);
  for (const name of only) await sections[name]();
  printTable(rows);
  const rounded = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  const final = {
    machine: `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}`,
    node: process.version,
    ...rounded,
  };
  writeFileSync(join(__dirname, "results.json"), `${JSON.stringify(final, null, 2)}\n`);
  console.log(`\nfinished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(JSON.stringify(final));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
