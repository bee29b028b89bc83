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
    const ttft = percentiles(f.jobs.map((j) => j.ttftMs));
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
      fmt(percentiles(f.jobs.map((j) => j.tokensPerSec)).p50),
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
    `worker-orcd-jest report (${gpu}; start-up p50 of the workers started; "kept": taken over from an earlier file; "ahead": started while Jest loaded it; "*": Jest was loading the test file for part of the wait, so the worker was ready sooner)`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    line(total),
    ...unstreamedNote(report),
  ].join("\n");
}

/** A line naming the files whose jobs were not streamed (every token at once: TTFT is the whole job), if any. */
function unstreamedNote(report: RunReport): string[] {
  const files = report.files.flatMap((f) => {
    const withTokens = f.jobs.filter((j) => j.tokens > 1);
    const at = withTokens.filter((j) => !j.streamed).length;
    return at > 0 ? [`${f.file} (${at} of ${withTokens.length} job(s))`] : [];
  });
  return files.length === 0
    ? []
    : [`not streamed (every token arrived at once, so TTFT is the whole job's time): ${files.join(", ")}`];
}
