import type { ConformanceReport } from "./types";

const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** The report as a plain-text table for a terminal. */
export function formatTable(report: ConformanceReport, width = 90): string {
  const rows = report.clauses.map((c) => [
    c.id,
    c.level,
    c.verdict,
    `${c.ms ?? ""}`,
    clip(c.evidence.replace(/\s+/g, " "), width),
  ]);
  const head = ["clause", "level", "verdict", "ms", "evidence"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const s = report.summary;
  return [
    `worker-orcd-jest conformance: ${report.worker.command ?? report.worker.binary}`,
    "",
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `${s.pass} pass, ${s.fail} fail, ${s["n/a"]} n/a, ${s.error} error` +
      (report.failedMust.length > 0
        ? `; MUST clauses failed or not judged: ${report.failedMust.join(", ")}`
        : "; no MUST clause failed or went unjudged"),
  ].join("\n");
}

/** The report as Markdown, for a CI job to post on a pull request. */
export function formatMarkdown(report: ConformanceReport): string {
  const icon = { pass: "✅ pass", fail: "❌ fail", "n/a": "➖ n/a", error: "⚠️ error" } as const;
  const cell = (t: string) => clip(t, 300).replace(/\|/g, "\\|").replace(/\n/g, " ");
  const s = report.summary;
  return [
    "## worker-orcd conformance",
    "",
    `Worker: \`${report.worker.binary}\` with model \`${report.worker.model}\` on GPU ${report.worker.gpuDevice}` +
      (report.worker.startupMs ? `, ready in ${report.worker.startupMs} ms` : ""),
    "",
    `**${s.pass} pass, ${s.fail} fail, ${s["n/a"]} n/a, ${s.error} error.** ` +
      (report.failedMust.length > 0
        ? `MUST clauses failed or not judged: ${report.failedMust.map((id) => `\`${id}\``).join(", ")}.`
        : "No MUST clause failed."),
    "",
    "| clause | level | verdict | evidence |",
    "| --- | --- | --- | --- |",
    ...report.clauses.map((c) => `| \`${c.id}\` | ${c.level} | ${icon[c.verdict]} | ${cell(c.evidence)} |`),
    "",
  ].join("\n");
}
