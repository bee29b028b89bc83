import { escapeHtml as esc } from "../util/escape-html";
import type { BuildComparison, TimingComparison } from "./run";

const ms = (v: number | undefined) => (v === undefined ? "-" : `${v.toFixed(1)} ms`);
const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(0)} %`;

/** B's median against A's, with its bootstrap 95 % interval, as the gate prints a change. */
function changeOf(t: TimingComparison): string {
  return t.change ? `${pct(t.change.change)} [${pct(t.change.low)}, ${pct(t.change.high)}]` : "-";
}

/** Columns padded to their widest cell. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The comparison as text: the builds, a line per probe, each difference, the timing side by side. */
export function formatBuildComparison(c: BuildComparison): string {
  const lines: string[] = [];
  for (const b of c.builds) {
    const f = b.fingerprint;
    const sha = f.binary.sha256 ? ` sha256 ${f.binary.sha256.slice(0, 12)}` : "";
    lines.push(`${b.label}${sha}; GPU: ${f.gpu?.name ?? "none"}; log: ${b.logFormat}`);
  }
  lines.push("");
  const verdict = (p: BuildComparison["probes"][number]) =>
    p.differences.length === 0 ? "same" : p.allowed ? "differs (allowed)" : "DIFFERS";
  lines.push(
    columns([
      ["probe", "A", "B", "verdict"],
      ...c.probes.map((p) => [
        p.id,
        p.id === "log-format" ? "" : `${p.a.tokens.length} tok, ${p.a.ending}`,
        p.id === "log-format" ? "" : `${p.b.tokens.length} tok, ${p.b.ending}`,
        verdict(p),
      ]),
    ]),
  );
  const differing = c.probes.filter((p) => p.differences.length > 0);
  if (differing.length > 0) {
    lines.push("", "differences:");
    for (const p of differing) for (const d of p.differences) lines.push(`  ${p.id}: ${d}`);
  }
  lines.push(
    "",
    columns([
      ["timing", "A p50", "A p95", "B p50", "B p95", "B vs A (median, 95 % CI)", "samples"],
      ...c.timing.map((t) => [
        t.figure,
        ms(t.a.p50),
        ms(t.a.p95),
        ms(t.b.p50),
        ms(t.b.p95),
        changeOf(t),
        `${t.a.n}/${t.b.n}`,
      ]),
    ]),
  );
  return lines.join("\n");
}

/** The comparison as a self-contained HTML page (no script, stylesheet or image from anywhere). */
export function renderBuildComparisonHtml(c: BuildComparison): string {
  const cell = (s: string) => `<td>${esc(s)}</td>`;
  const builds = c.builds
    .map(
      (b) =>
        `<tr>${cell(b.label)}${cell(b.fingerprint.binary.sha256 ?? "-")}${cell(b.fingerprint.gpu?.name ?? "none")}${cell(b.logFormat)}</tr>`,
    )
    .join("");
  const probes = c.probes
    .map((p) => {
      const state = p.differences.length === 0 ? "same" : p.allowed ? "allowed" : "differs";
      return `<tr class="${state}">${cell(p.id)}${cell(p.title)}${cell(`${p.a.tokens.length} tok, ${p.a.ending}`)}${cell(`${p.b.tokens.length} tok, ${p.b.ending}`)}<td>${
        p.differences.map((d) => esc(d)).join("<br>") || "same"
      }</td></tr>`;
    })
    .join("");
  const timing = c.timing
    .map(
      (t) =>
        `<tr>${cell(t.figure)}${cell(ms(t.a.p50))}${cell(ms(t.a.p95))}${cell(ms(t.b.p50))}${cell(ms(t.b.p95))}${cell(changeOf(t))}${cell(`${t.a.n}/${t.b.n}`)}</tr>`,
    )
    .join("");
  const verdict =
    c.differing.length === 0
      ? "No difference that counts."
      : `${c.differing.length} probe(s) differ: ${c.differing.join(", ")}.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>worker-orcd-jest compare-builds</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1400px}table{border-collapse:collapse;margin:12px 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}tr.differs td{background:#fde8e8}
tr.allowed td{background:#fff6dd}code{font-size:12px}</style></head><body>
<h1>Two worker builds, the same probes</h1>
<p>${esc(verdict)}</p>
<h2>Builds</h2><table><tr><th>build</th><th>sha256</th><th>GPU</th><th>log format</th></tr>${builds}</table>
<h2>Probes</h2><table><tr><th>probe</th><th>what</th><th>A</th><th>B</th><th>differences</th></tr>${probes}</table>
<h2>Timing</h2><p>B's median against A's, with a bootstrap 95 % interval (the gate's statistic); shown, not judged.</p>
<table><tr><th>figure</th><th>A p50</th><th>A p95</th><th>B p50</th><th>B p95</th><th>B vs A</th><th>samples A/B</th></tr>${timing}</table>
</body></html>
`;
}
