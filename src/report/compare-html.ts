import { escapeHtml } from "../util/escape-html";
import { type Comparison, formatPace, type GateResult } from "./baseline";
import { niceMax } from "./html";
import type { RunReport } from "./types";

const esc = escapeHtml;
const n1 = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(1));
const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(0)} %`;
const W = 900;
const LABEL = 90;

/** At most `n` values, evenly picked (a chart of thousands of ITL dots says no more than 300). */
function thin(v: number[], n = 300): number[] {
  if (v.length <= n) return v;
  return Array.from({ length: n }, (_, k) => v[Math.floor((k * v.length) / n)]);
}

/** The two sides of one figure: a row of dots each, a bar to the median, on one axis. */
function pair(c: Comparison): string {
  const all = [...c.samples.before, ...c.samples.after];
  const max = niceMax(Math.max(...all));
  const unit = c.figure === "tok/s" ? " tok/s" : " ms";
  const x = (v: number) => LABEL + (v / max) * (W - LABEL - 20);
  const row = (label: string, values: number[], median: number, y: number, cls: string) =>
    `<text x="${LABEL - 8}" y="${y + 4}" class="label">${label} (${values.length})</text>` +
    `<rect x="${LABEL}" y="${y - 6}" width="${x(median) - LABEL}" height="12" class="bar ${cls}"><title>median ${n1(median)}</title></rect>` +
    thin(values)
      .map(
        (v) =>
          `<circle cx="${x(v).toFixed(1)}" cy="${y}" r="3" class="dot ${cls}"><title>${n1(v)}</title></circle>`,
      )
      .join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) => `<text x="${x(f * max)}" y="78" class="tick">${Number((f * max).toPrecision(3))}${unit}</text>`,
    )
    .join("");
  const verdict = c.regressed ? "REGRESSED" : c.judged ? "ok" : "too few samples";
  return `<h3>${esc(c.what)} · ${esc(c.figure)} · ${pct(c.change)} (95 % interval ${pct(c.low)} to ${pct(c.high)}) · <span class="${c.regressed ? "bad" : "good"}">${verdict}</span></h3>
<svg class="chart" viewBox="0 0 ${W} 84" width="${W}" height="84" role="img" aria-label="${esc(`${c.what} ${c.figure}`)}">${row("before", c.samples.before, c.before, 22, "before")}${row("after", c.samples.after, c.after, 52, "after")}${ticks}</svg>`;
}

/** `report compare`'s page: both runs, the verdict, a table, and each figure's two distributions side by side. */
export function renderCompareHtml(
  baseline: RunReport,
  current: RunReport,
  result: GateResult,
  names: [string, string],
): string {
  const rows = result.compared
    .map(
      (c) =>
        `<tr class="${c.regressed ? "bad" : ""}"><td>${esc(c.what)}</td><td>${esc(c.figure)}</td><td>${c.nBefore}</td><td>${c.nAfter}</td><td>${n1(c.before)}</td><td>${n1(c.after)}</td><td>${pct(c.change)}</td><td>${pct(c.low)} to ${pct(c.high)}</td><td>${c.regressed ? "REGRESSED" : c.judged ? "ok" : "too few samples"}</td></tr>`,
    )
    .join("");
  const run = (r: RunReport, name: string) =>
    `<li><b>${esc(name)}</b>: ${esc(r.date)} · ${esc(r.machine.hostname)} (${r.machine.cpus} x ${esc(r.machine.cpuModel)}) · GPU: ${esc(r.gpu?.name ?? "none")} · ${r.files.length} file(s), ${r.files.reduce((n, f) => n + f.jobs.length, 0)} job(s)</li>`;
  const verdict = result.skipped
    ? `not compared: ${esc(result.skipped)}`
    : result.regressions.length
      ? `<span class="bad">${result.regressions.length} figure(s) regressed</span>`
      : `<span class="good">no regression</span> (${result.compared.length - result.unjudged.length} figure(s) judged, ${result.unjudged.length} with too few samples)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>worker-orcd-jest comparison</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#111;background:#fff}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:24px 0 6px}h3{font-size:13px;margin:16px 0 2px;font-weight:600}
.bad{color:#b91c1c;font-weight:600}.good{color:#15803d;font-weight:600}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
tr.bad td{background:#fef2f2}
.chart{max-width:100%;height:auto}.label{font-size:12px;fill:#333;text-anchor:end}.tick{font-size:11px;fill:#666;text-anchor:middle}
.dot{fill-opacity:.6}.dot.before{fill:#64748b}.dot.after{fill:#2563eb}.bar{fill-opacity:.18}.bar.before{fill:#64748b}.bar.after{fill:#2563eb}
</style></head><body>
<h1>worker-orcd-jest comparison</h1>
<ul>${run(baseline, `baseline ${names[0]}`)}${run(current, `new ${names[1]}`)}</ul>
${formatPace(result) ? `<p>${esc(formatPace(result))}.</p>` : ""}
<p>${verdict}. A figure regresses when both runs have enough samples, the whole 95 % bootstrap interval of its median's change lies past the tolerance, and the medians differ by more than the figure's floor.</p>
<h2>Figures</h2>
<table><tr><th>test or file</th><th>figure</th><th>n before</th><th>n after</th><th>before</th><th>after</th><th>change</th><th>95 % interval</th><th>verdict</th></tr>${rows}</table>
<h2>Distributions</h2>
${result.compared.map(pair).join("\n")}
</body></html>
`;
}
