#!/usr/bin/env node

/**
 * npm run soak: load on one mock worker, loopback only, bounded in count and
 * time. 1,000 sequential executes, then 50 clients at once (one runs, the rest
 * get the documented 503 WORKER_BUSY and retry). Checks that no event is lost
 * or duplicated, that sockets and file descriptors do not leak (counted before
 * and after, in this process and in the worker), and that memory settles.
 * Prints a table and a final JSON line (also bench/soak-results.json).
 */
const { readdirSync, writeFileSync } = require("node:fs");
const { cpus } = require("node:os");
const { join } = require("node:path");
const { summary, printTable } = require("./stats");

const ROOT = join(__dirname, "..");
const { WorkerProcess } = require(join(ROOT, "dist", "worker", "worker-process.js"));
const { checkEventOrder } = require(join(ROOT, "dist", "matchers", "rules.js"));
const { LineSplitter } = require(join(ROOT, "dist", "worker", "log-buffer.js"));
const { MOCK_ENTRY } = require(join(ROOT, "dist", "worker", "command.js"));
const STREAM_TOKENS = Number(process.env.SOAK_STREAM_TOKENS ?? 1_000_000);
const SEQUENTIAL = Number(process.env.SOAK_SEQUENTIAL ?? 1000);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 50);
const DEADLINE = Date.now() + Number(process.env.SOAK_MAX_MS ?? 240_000);

const fds = (pid) => readdirSync(`/proc/${pid}/fd`).length;
const sockets = (pid) =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return require("node:fs").readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:");
    } catch {
      return false;
    }
  }).length;
const heapMb = () => {
  global.gc?.();
  return process.memoryUsage().heapUsed / 1048576;
};
const workerRssMb = (pid) => {
  const m = /VmRSS:\s+(\d+)/.exec(require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

function verify(events, jobId, maxTokens, problems) {
  const order = checkEventOrder(events);
  if (!order.pass) problems.push(`${jobId}: ${order.rule}: ${order.detail}`);
  if (events[0]?.job_id !== jobId) problems.push(`${jobId}: started names ${events[0]?.job_id}`);
  const tokens = events.filter((e) => e.type === "token").length;
  if (tokens !== maxTokens) problems.push(`${jobId}: ${tokens} tokens, expected ${maxTokens}`);
}

async function main() {
  const started = performance.now();
  console.log(`worker-orcd-jest soak: node ${process.version}, ${cpus().length} CPU(s)\n`);
  const w = await WorkerProcess.start({
    binary: "mock",
    model: "mock",
    gpuDevice: 0,
    extraArgs: ["--token-interval-ms", "0", "--eos-after", "0"],
    requestTimeoutMs: 30_000,
  });
  const problems = [];
  const rows = [];
  const result = {};
  try {
    // Warm up, then take the baselines.
    for (let k = 0; k < 20; k++)
      await w.client.execute({ job_id: `warm-${k}`, prompt: "warm", max_tokens: 8 });
    await new Promise((r) => setTimeout(r, 1500)); // let idle keep-alive sockets close
    const before = {
      fds: fds(process.pid),
      sockets: sockets(process.pid),
      workerFds: fds(w.pid),
      heap: heapMb(),
      rss: workerRssMb(w.pid),
    };

    const seq = [];
    const heapSamples = [];
    for (let k = 0; k < SEQUENTIAL && Date.now() < DEADLINE; k++) {
      const jobId = `seq-${k}`;
      const t0 = performance.now();
      const events = await w.client.execute({ job_id: jobId, prompt: `sequential ${k}`, max_tokens: 8 });
      seq.push(performance.now() - t0);
      verify(events, jobId, 8, problems);
      if (k % 100 === 99) heapSamples.push(heapMb());
    }
    const s = summary(seq);
    rows.push({ measure: `${seq.length} sequential executes (8 tokens)`, unit: "ms", ...s });
    result.sequential_count = seq.length;
    result.sequential_median_ms = s.median;

    const busy = { answers: 0 };
    const conc = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const jobId = `conc-${c}`;
        const t0 = performance.now();
        while (Date.now() < DEADLINE) {
          const res = await w.client.executeRaw({
            job_id: jobId,
            prompt: `client ${c}`,
            max_tokens: 16,
            seed: c,
          });
          if (res.status === 503 && res.json?.code === "WORKER_BUSY") {
            busy.answers++;
            await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
            continue;
          }
          if (res.status !== 200) problems.push(`${jobId}: HTTP ${res.status} ${res.text.slice(0, 100)}`);
          const events = res.text
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => JSON.parse(l.slice(6)));
          verify(events, jobId, 16, problems);
          return performance.now() - t0;
        }
        problems.push(`${jobId}: never ran before the deadline`);
        return Number.NaN;
      }),
    );
    const cs = summary(conc);
    rows.push({
      measure: `${CLIENTS} clients at once: time to done`,
      unit: "ms",
      ...cs,
      note: `${busy.answers} busy answers, retried`,
    });
    result.concurrent_clients = CLIENTS;
    result.concurrent_busy_answers = busy.answers;
    result.concurrent_max_ms = cs.max;

    // Idle keep-alive connections close after their timeout: wait (bounded) for the counts to settle.
    const settleUntil = Date.now() + 10_000;
    let settledMs = 0;
    const t0 = performance.now();
    while (
      Date.now() < settleUntil &&
      (fds(process.pid) > before.fds + 2 || fds(w.pid) > before.workerFds + 2)
    ) {
      await new Promise((r) => setTimeout(r, 250));
    }
    settledMs = performance.now() - t0;
    result.settle_ms = settledMs;
    const after = {
      fds: fds(process.pid),
      sockets: sockets(process.pid),
      workerFds: fds(w.pid),
      heap: heapMb(),
      rss: workerRssMb(w.pid),
    };
    const { samples } = await w.client.metrics();
    const success = samples.find(
      (x) => x.name === "worker_requests_total" && x.labels.outcome === "success",
    )?.value;
    const expectedJobs = 20 + seq.length + CLIENTS;
    if (success !== expectedJobs)
      problems.push(`worker counted ${success} successful jobs, expected ${expectedJobs}`);
    rows.push({
      measure: "client fds before -> after",
      unit: "count",
      min: before.fds,
      median: after.fds,
      max: after.fds,
      n: 1,
    });
    rows.push({
      measure: "client sockets before -> after",
      unit: "count",
      min: before.sockets,
      median: after.sockets,
      max: after.sockets,
      n: 1,
    });
    rows.push({
      measure: "worker fds before -> after",
      unit: "count",
      min: before.workerFds,
      median: after.workerFds,
      max: after.workerFds,
      n: 1,
    });
    rows.push({
      measure: "client heap before -> after (MiB)",
      unit: "MiB",
      min: before.heap,
      median: after.heap,
      max: Math.max(...heapSamples, after.heap),
      n: heapSamples.length + 2,
    });
    rows.push({
      measure: "worker RSS before -> after (MiB)",
      unit: "MiB",
      min: before.rss,
      median: after.rss,
      max: after.rss,
      n: 1,
    });
    if (after.fds > before.fds + 2) problems.push(`client fds grew from ${before.fds} to ${after.fds}`);
    if (after.workerFds > before.workerFds + 2)
      problems.push(`worker fds grew from ${before.workerFds} to ${after.workerFds}`);
    if (global.gc && after.heap > before.heap + 20)
      problems.push(`client heap grew from ${before.heap.toFixed(1)} to ${after.heap.toFixed(1)} MiB`);
    Object.assign(result, {
      client_fds_before: before.fds,
      client_fds_after: after.fds,
      worker_fds_before: before.workerFds,
      worker_fds_after: after.workerFds,
      client_heap_mb_before: before.heap,
      client_heap_mb_after: after.heap,
      worker_rss_mb_before: before.rss,
      worker_rss_mb_after: after.rss,
      jobs_counted_by_worker: success,
    });
  } finally {
    await w.stop();
  }
  await streamSoak(rows, result, problems);
  await logLineSoak(rows, result, problems);
  printTable(rows);
  const final = {
    ok: problems.length === 0,
    problems: problems.slice(0, 20),
    ...Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Math.round(v * 100) / 100])),
  };
  writeFileSync(join(__dirname, "soak-results.json"), `${JSON.stringify(final, null, 2)}\n`);
  console.log(`\nfinished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(JSON.stringify(final));
  if (problems.length > 0) process.exit(1);
}

/** stream() over a very long job: the client's heap must stay flat while iterating. */
async function streamSoak(rows, result, problems) {
  const w = await WorkerProcess.start({
    binary: "mock",
    model: "mock",
    gpuDevice: 0,
    extraArgs: ["--token-interval-ms", "0", "--eos-after", "0", "--max-tokens-out", String(STREAM_TOKENS)],
    requestTimeoutMs: 600_000,
  });
  try {
    const before = heapMb();
    let peak = before;
    let tokens = 0;
    const t0 = performance.now();
    for await (const event of w.client.stream({
      job_id: "long",
      prompt: "long",
      max_tokens: STREAM_TOKENS,
    })) {
      if (event.type === "token" && ++tokens % 100_000 === 0) peak = Math.max(peak, heapMb());
    }
    const ms = performance.now() - t0;
    const after = heapMb();
    peak = Math.max(peak, after);
    if (tokens !== STREAM_TOKENS) problems.push(`stream(): ${tokens} tokens, expected ${STREAM_TOKENS}`);
    if (global.gc && peak - before > 10)
      problems.push(`stream() heap grew by ${(peak - before).toFixed(1)} MiB`);
    rows.push({
      measure: `stream() of ${STREAM_TOKENS} tokens: client heap before -> peak (MiB)`,
      unit: "MiB",
      min: before,
      median: after,
      max: peak,
      n: Math.floor(tokens / 100_000) + 2,
      note: `growth ${(peak - before).toFixed(1)} MiB (target < 10), ${Math.round(tokens / (ms / 1000))} tokens/s`,
    });
    result.stream_tokens = tokens;
    result.stream_heap_growth_mb = peak - before;
  } finally {
    await w.stop();
  }
}

/**
 * A worker line without a newline: the splitter's time must grow linearly
 * with the line (1, 10, 50 MB) and its memory stay bounded; a worker that
 * prints 50 MB on stderr starts about as fast as one that does not.
 */
async function logLineSoak(rows, result, problems) {
  const chunk = "x".repeat(64 * 1024);
  const perMb = {};
  for (const mb of [1, 10, 50]) {
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const lines = [];
    const splitter = new LineSplitter((l) => lines.push(l.length));
    for (let k = 0; k < mb * 16; k++) splitter.write(chunk);
    splitter.end();
    const ms = performance.now() - t0;
    perMb[mb] = ms / mb;
    rows.push({
      measure: `a ${mb} MB log line without a newline: split`,
      unit: "ms",
      min: ms,
      median: ms,
      max: ms,
      n: 1,
      note: `${(ms / mb).toFixed(2)} ms/MB, kept ${lines[0]} characters, RSS +${((process.memoryUsage().rss - rss0) / 1048576).toFixed(0)} MiB`,
    });
  }
  result.log_line_ms_per_mb_1 = perMb[1];
  result.log_line_ms_per_mb_50 = perMb[50];
  if (perMb[50] > perMb[1] * 4 + 1)
    problems.push(`50 MB log line: ${perMb[50].toFixed(2)} ms/MB vs ${perMb[1].toFixed(2)} at 1 MB`);
  const dir = require("node:fs").mkdtempSync(join(require("node:os").tmpdir(), "wojest-soak-"));
  try {
    const noisy = join(dir, "noisy-worker");
    writeFileSync(
      noisy,
      `#!/bin/sh\n"${process.execPath}" -e 'process.stderr.write("n".repeat(50*1024*1024))'\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`,
    );
    require("node:fs").chmodSync(noisy, 0o755);
    const start = async (binary) => {
      const rss0 = process.memoryUsage().rss;
      const w = await WorkerProcess.start({ binary, model: "mock", gpuDevice: 0, startupTimeoutMs: 60_000 });
      const rss = (process.memoryUsage().rss - rss0) / 1048576;
      await w.stop();
      return { ms: w.startupMs, rss };
    };
    const plain = await start("mock");
    const loud = await start(noisy);
    rows.push({
      measure: "worker start: plain mock -> one printing a 50 MB stderr line first",
      unit: "ms",
      min: plain.ms,
      median: loud.ms,
      max: loud.ms,
      n: 2,
      note: `client RSS +${loud.rss.toFixed(0)} MiB (the line is cut at 64 KiB)`,
    });
    result.noisy_start_ms = loud.ms;
    result.plain_start_ms = plain.ms;
  } finally {
    require("node:fs").rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
