import { formatBytes } from "../util/bytes";
import { escapeHtml } from "../util/escape-html";
import { percentiles } from "../util/percentiles";
import { metricsBlock } from "./table";
import type { JobRecord, RunReport } from "./types";
import { measuredStartup } from "./worker-record";

const esc = escapeHtml;
const n1 = (v: number) => (v >= 100 ? String(Math.round(v)) : v.toFixed(1));
const LABEL_W = 320;
/** Wide enough to use a 1400 px page (the SVG scales down on a narrower one). */
const PLOT_W = 980;
const ROW_H = 22;

/** Upper end of an axis: a round number at or above `max`. */
/** The axis end for values up to `max`: the next of 1, 2, 2.5, 5 and 10 times a power of ten (ticks at round numbers). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= max)!;
}

function axis(max: number, y: number, unit: string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const x = LABEL_W + f * PLOT_W;
    return `<line x1="${x}" y1="18" x2="${x}" y2="${y}" class="grid"/><text x="${x}" y="${y + 14}" class="tick">${n1(f * max)}${unit}</text>`;
  });
  return ticks.join("");
}

interface Row {
  label: string;
  values: number[];
  p50?: number;
  p95?: number;
}

/** One row per label: a dot per value, a bar to p50 and a tick at p95. */
function dotPlot(title: string, rows: Row[], unit: string, cls: string): string {
  if (rows.length === 0) return `<h2>${esc(title)}</h2><p class="none">no data</p>`;
  const max = niceMax(Math.max(...rows.flatMap((r) => r.values)));
  const h = 24 + rows.length * ROW_H;
  const x = (v: number) => LABEL_W + (v / max) * PLOT_W;
  const body = rows
    .map((r, i) => {
      const y = 24 + i * ROW_H + ROW_H / 2;
      const dots = r.values.map(
        (v) =>
          `<circle cx="${x(v)}" cy="${y}" r="3.5" class="dot ${cls}"><title>${n1(v)}${unit}</title></circle>`,
      );
      const p50 =
        r.p50 === undefined
          ? ""
          : `<rect x="${LABEL_W}" y="${y - 5}" width="${x(r.p50) - LABEL_W}" height="10" class="bar ${cls}"><title>p50 ${n1(r.p50)}${unit}</title></rect>`;
      const p95 =
        r.p95 === undefined
          ? ""
          : `<line x1="${x(r.p95)}" y1="${y - 8}" x2="${x(r.p95)}" y2="${y + 8}" class="p95"><title>p95 ${n1(r.p95)}${unit}</title></line>`;
      // A long name is cut, with the whole name as its tooltip.
      const shown = r.label.length > 44 ? `${r.label.slice(0, 43)}…` : r.label;
      return `<text x="${LABEL_W - 8}" y="${y + 4}" class="label"><title>${esc(r.label)}</title>${esc(shown)}</text>${p50}${dots.join("")}${p95}`;
    })
    .join("");
  return `<h2>${esc(title)}</h2><svg class="chart" viewBox="0 0 ${LABEL_W + PLOT_W + 40} ${h + 20}" width="${LABEL_W + PLOT_W + 40}" height="${h + 20}" role="img" aria-label="${esc(title)}">${axis(max, h, unit)}${body}</svg>`;
}

/** Token index over time for the slowest jobs: one step line each. */
function timeline(jobs: JobRecord[]): string {
  const slow = [...jobs]
    .filter((j) => j.arrivals.length > 1)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, 5);
  const title = "Token arrivals of the slowest jobs";
  if (slow.length === 0) return `<h2>${title}</h2><p class="none">no job with tokens</p>`;
  const tMax = niceMax(Math.max(...slow.map((j) => j.arrivals.at(-1)!)));
  const nMax = Math.max(...slow.map((j) => j.tokens));
  const W = 1340;
  const H = 320;
  const x = (t: number) => 70 + (t / tMax) * (W - 120);
  const y = (k: number) => H - 30 - (k / nMax) * (H - 60);
  const colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"];
  const lines = slow
    .map((j, i) => {
      const step = j.tokens / j.arrivals.length;
      const pts = j.arrivals.map((t, k) => `${x(t).toFixed(1)},${y((k + 1) * step).toFixed(1)}`).join(" ");
      return `<polyline points="${pts}" fill="none" stroke="${colors[i]}" stroke-width="2" class="arrivals"><title>${esc(j.test ?? j.jobId)}: ${j.tokens} tokens in ${n1(j.totalMs)} ms</title></polyline>`;
    })
    .join("");
  const legend = slow
    .map(
      (j, i) =>
        `<li><span style="background:${colors[i]}"></span>${esc(j.test ?? "")} · ${esc(j.jobId)} · ${j.tokens} tokens, ${n1(j.totalMs)} ms${j.streamed ? "" : " (not streamed)"}</li>`,
    )
    .join("");
  const ticks = [0, 0.5, 1]
    .map((f) => `<text x="${x(f * tMax)}" y="${H - 12}" class="tick">${n1(f * tMax)} ms</text>`)
    .join("");
  return `<h2>${title}</h2><svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${title}"><line x1="70" y1="${H - 30}" x2="${W - 50}" y2="${H - 30}" class="grid"/><line x1="70" y1="20" x2="70" y2="${H - 30}" class="grid"/><text x="64" y="${y(nMax) + 4}" class="label">${nMax}</text><text x="64" y="${H - 26}" class="label">0</text><text x="16" y="${H / 2}" class="axis-title" transform="rotate(-90 16 ${H / 2})">tokens received</text>${ticks}${lines}</svg><ul class="legend">${legend}</ul>`;
}

/** The report as one self-contained HTML page (inline CSS and SVG; nothing loaded from the network). */
export function renderHtml(report: RunReport): string {
  const jobs = report.files.flatMap((f) => f.jobs);
  const byTest = new Map<string, JobRecord[]>();
  // The charts' dots, bars and ticks are one set of jobs: warm-up left out, as from every figure.
  for (const j of jobs.filter((x) => !x.warmup))
    byTest.set(j.test ?? "(outside a test)", [...(byTest.get(j.test ?? "(outside a test)") ?? []), j]);
  const rowsOf = (pick: (j: JobRecord) => number | undefined): Row[] =>
    [...byTest].flatMap(([label, js]) => {
      const values = js.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? [{ label, values, ...percentiles(values) }] : [];
    });
  // One row per file and kind of worker, with every start of that kind as a dot (two harnesses of a file are
  // one row with two dots, not two rows with the same name).
  const startup: Row[] = report.files.flatMap((f) => {
    const byKind = new Map<string, number[]>();
    for (const w of f.workers.filter(measuredStartup)) {
      const label = `${f.file} (${w.role === "env" ? w.kind : `harness ${w.kind}`})`;
      byKind.set(label, [...(byKind.get(label) ?? []), w.startupMs]);
    }
    return [...byKind].map(([label, values]) => ({ label, values, ...percentiles(values) }));
  });
  const vram: Row[] = report.files.flatMap((f) =>
    f.workers.flatMap((w) => {
      const b = w.vramBytesUsed ?? w.vramBytes;
      return b === undefined
        ? []
        : [{ label: `${f.file} (pid ${w.pid})`, values: [b / 2 ** 20], p50: b / 2 ** 20 }];
    }),
  );
  const t = report.totals;
  const gpu = report.gpu
    ? `${report.gpu.name}${report.gpu.driver ? `, driver ${report.gpu.driver}` : ""}${report.gpu.cuda ? `, CUDA ${report.gpu.cuda}` : ""}`
    : "none";
  const cards = [
    ["files", String(t.files)],
    ["workers started", String(t.workersStarted)],
    ["jobs", String(t.jobs)],
    ["tokens", String(t.tokens)],
    [
      "TTFT p50 / p95 (warm-up left out)",
      t.ttftP50 === undefined ? "-" : `${n1(t.ttftP50)} / ${n1(t.ttftP95!)} ms`,
    ],
    ["tok/s p50", t.tokensPerSecP50 === undefined ? "-" : n1(t.tokensPerSecP50)],
    ["start-up p50", t.startupP50 === undefined ? "-" : `${n1(t.startupP50)} ms`],
  ]
    .map(([k, v]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div></div>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>worker-orcd-jest report ${esc(report.date)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#111;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 6px}
.meta{color:#555;margin-bottom:16px}.meta.warn{color:#a33}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:110px}.k{color:#666;font-size:12px}.v{font-size:18px;font-weight:600}
.chart{max-width:100%;height:auto}.grid{stroke:#e5e5e5}.tick{font-size:11px;fill:#666;text-anchor:middle}
.label{font-size:12px;fill:#333;text-anchor:end}.axis-title{font-size:12px;fill:#555;text-anchor:middle}.dot{fill-opacity:.75}.dot.ttft{fill:#2563eb}.dot.tps{fill:#16a34a}.dot.start{fill:#ea580c}.dot.vram{fill:#9333ea}
.bar{fill-opacity:.18}.bar.ttft{fill:#2563eb}.bar.tps{fill:#16a34a}.bar.start{fill:#ea580c}.bar.vram{fill:#9333ea}.p95{stroke:#111;stroke-width:2}
.legend{list-style:none;padding:0}.legend span{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle}
.stats{font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;background:#fafafa;border:1px solid #eee;padding:8px 12px;overflow-x:auto}.stats.warn{border-color:#e0a0a0}
.none{color:#888}table{border-collapse:collapse;margin-top:8px}td,th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}td:first-child,th:first-child{text-align:left}
</style></head><body>
<h1>worker-orcd-jest run report</h1>
<div class="meta">${esc(report.date)} · ${esc(report.machine.hostname)} (${report.machine.cpus} x ${esc(report.machine.cpuModel)}, ${report.machine.memoryGiB} GiB, Node ${esc(report.machine.node)}) · GPU: ${esc(gpu)} · model: ${esc(report.model ? `${report.model.path}${report.model.bytes ? ` (${formatBytes(report.model.bytes)})` : ""}` : "none")} · ${esc(report.package.name)} ${esc(report.package.version)}</div>
${(report.merged?.differences ?? []).map((d) => `<div class="meta warn">merged from ${report.merged?.shards} shards, which differ: ${esc(d)}; the line above is the first shard's</div>`).join("\n")}
<div class="cards">${cards}</div>
${statistics(report)}
${dotPlot(
  "Time to first token per test (dots: jobs, warm-up left out; bar: p50; tick: p95)",
  rowsOf((j) => j.ttftMs),
  " ms",
  "ttft",
)}
${dotPlot(
  "Tokens per second per test (dots: jobs, warm-up left out; bar: p50; tick: p95)",
  rowsOf((j) => j.tokensPerSec),
  "",
  "tps",
)}
${timeline(jobs)}
${dotPlot("Start-up per file (spawn to ready; workers taken over from an earlier file or started ahead left out)", startup, " ms", "start")}
${dotPlot("VRAM per worker (MiB; /health vram_bytes_used, else the callback's vram_bytes)", vram, "", "vram")}
</body></html>
`;
}

/**
 * The run's statistics as the console prints them (every figure: TTFT,
 * TTFB, ITL, TPOT, e2e, tok/s; throughput; goodput, the SLO and the jobs
 * that missed it), so a run that failed \`minGoodput\` never looks healthy
 * on the page. Its figures, the cards' and the charts' leave warm-up jobs out alike.
 */
function statistics(report: RunReport): string {
  const lines = metricsBlock(report);
  if (lines.length === 0) return "";
  const missed = report.metrics?.goodput && report.metrics.goodput.met < report.metrics.goodput.of;
  return `<h2>Run statistics (warm-up jobs left out)</h2>
<pre class="stats${missed ? " warn" : ""}">${esc(lines.join("\n"))}</pre>`;
}
