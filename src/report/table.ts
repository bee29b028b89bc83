import type { Distribution } from "../util/distribution";
import { percentiles } from "../util/percentiles";
import type { RunReport } from "./types";

const fmt = (v: number | undefined, unit = "") =>
  v === undefined ? "-" : `${v >= 100 ? Math.round(v) : v.toFixed(1)}${unit}`;
const mib = (bytes: number | undefined) => (bytes === undefined ? "-" : `${Math.round(bytes / 2 ** 20)} MiB`);

/** The end-of-run table: one row per file (worker, start-up, jobs, tokens, TTFT p50/p95, tok/s p50, VRAM) and a total. */
export function formatSummary(report: RunReport): string {
  const head = ["file", "worker", "start-up", "jobs", "tokens", "TTFT p50", "TTFT p95", "tok/s p50", "VRAM"];
  const rows = report.files.map((f) => {
    const w = f.workers.find((x) => x.role === "env") ?? f.workers[0];
    const counted = f.jobs.filter((j) => !j.warmup);
    const ttft = percentiles(counted.map((j) => j.ttftMs));
    return [
      f.shard ? `${f.file} (${f.shard.report})` : f.file,
      w ? `${w.kind}${f.workers.length > 1 ? ` +${f.workers.length - 1}` : ""}` : "none",
      w
        ? w.kind === "attached"
          ? "-"
          : w.reused
            ? "kept"
            : w.ahead
              ? "ahead"
              : fmt(w.startupMs, w.blockedMs === undefined ? " ms" : " ms*")
        : "-",
      String(f.jobs.length),
      String(f.jobs.reduce((n, j) => n + j.tokens, 0)),
      fmt(ttft.p50, " ms"),
      fmt(ttft.p95, " ms"),
      fmt(percentiles(counted.map((j) => j.tokensPerSec)).p50),
      mib(w?.vramBytesUsed ?? w?.vramBytes),
    ];
  });
  const t = report.totals;
  const total = [
    `total: ${t.files} file(s)`,
    `${t.workersStarted} started`,
    fmt(t.startupP50, " ms"),
    String(t.jobs),
    String(t.tokens),
    fmt(t.ttftP50, " ms"),
    fmt(t.ttftP95, " ms"),
    fmt(t.tokensPerSecP50),
    "",
  ];
  const all = [head, ...rows, total];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const gpu = report.gpu
    ? `GPU: ${report.gpu.name}${report.gpu.driver ? `, driver ${report.gpu.driver}` : ""}${report.gpu.cuda ? `, CUDA ${report.gpu.cuda}` : ""}`
    : "GPU: none";
  return [
    `worker-orcd-jest report (${gpu}; start-up p50 of the workers started; TTFT and tok/s leave warm-up jobs out, as the statistics below do; "kept": taken over from an earlier file; "ahead": started while Jest loaded it; "*": Jest was loading the test file for part of the wait, so the worker was ready sooner)`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    line(total),
    ...unstreamedNote(report),
    ...metricsBlock(report),
  ].join("\n");
}

/**
 * The run's statistics (warm-up left out): one row per figure, then
 * throughput, goodput and the SLO's misses. The console table and the HTML
 * page both show these lines, so a figure reads the same in both.
 */
export function metricsBlock(report: RunReport): string[] {
  const m = report.metrics;
  if (!m || m.jobs === 0) return [];
  const figures: [string, Distribution | undefined][] = [
    ["TTFT ms", m.ttftMs],
    ["TTFB ms", m.ttfbMs],
    ["ITL ms", m.itlMs],
    ["TPOT ms", m.tpotMs],
    ["e2e ms", m.e2eMs],
    ["tok/s per job", m.tokensPerSec],
  ];
  const head = ["figure", "n", "mean", "p50", "p90", "p95", "p99", "min", "max"];
  const rows = figures.flatMap(([name, d]) =>
    d ? [[name, String(d.n), ...[d.mean, d.p50, d.p90, d.p95, d.p99, d.min, d.max].map((v) => fmt(v))]] : [],
  );
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const warm = report.settings?.warmupJobs ?? 1;
  const out = [
    `run statistics over ${m.jobs} job(s)${m.warmupJobs ? `, ${m.warmupJobs} warm-up job(s) left out (the first ${warm} of each worker; reporter option warmupJobs)` : ""}:`,
    line(head),
    ...rows.map(line),
    `throughput: ${fmt(m.outputTokensPerSec)} output tok/s, ${fmt(m.requestsPerSec)} req/s over ${m.busyMs < 1000 ? `${fmt(m.busyMs)} ms` : `${fmt(m.busyMs / 1000)} s`} busy`,
  ];
  if (m.goodput && report.settings?.slo) {
    const bounds = Object.entries(report.settings.slo)
      .map(([k, v]) => `${k.replace(/Ms$/, "")} <= ${v} ms`)
      .join(", ");
    out.push(
      `goodput: ${(m.goodput.share * 100).toFixed(0)} % (${m.goodput.met} of ${m.goodput.of} jobs met ${bounds})`,
    );
    const missed = report.files.flatMap((f) =>
      f.jobs
        .filter((j) => !j.warmup && j.sloMissed?.length)
        .map((j) => `  ${j.test ?? f.file} (${j.jobId}): ${j.sloMissed!.join(", ")}`),
    );
    if (missed.length)
      out.push(
        "missed the SLO:",
        ...missed.slice(0, 20),
        ...(missed.length > 20 ? [`  ... and ${missed.length - 20} more`] : []),
      );
  }
  return out;
}

/**
 * A line naming the files whose jobs were not streamed (every token at once:
 * TTFT is the whole job), if any. Warm-up jobs are left out, as from every
 * figure: the first job of a worker often meets a client still busy loading
 * the test file, which reads a streamed answer in one go.
 */
function unstreamedNote(report: RunReport): string[] {
  const files = report.files.flatMap((f) => {
    const withTokens = f.jobs.filter((j) => j.tokens > 1 && !j.warmup);
    const at = withTokens.filter((j) => !j.streamed).length;
    return at > 0 ? [`${f.file} (${at} of ${withTokens.length} job(s))`] : [];
  });
  return files.length === 0
    ? []
    : [`not streamed (every token arrived at once, so TTFT is the whole job's time): ${files.join(", ")}`];
}
