/** Small statistics and table helpers for the benchmark scripts. */

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summary(values) {
  return {
    min: Math.min(...values),
    median: quantile(values, 0.5),
    p95: quantile(values, 0.95),
    max: Math.max(...values),
    n: values.length,
  };
}

async function repeat(n, fn) {
  const out = [];
  for (let k = 0; k < n; k++) out.push(await fn(k));
  return out;
}

function fmt(x) {
  if (typeof x !== "number") return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}

function printTable(rows) {
  const header = ["measure", "unit", "min", "median", "max", "n", "note"];
  const lines = rows.map((r) => [
    r.measure,
    r.unit,
    fmt(r.min),
    fmt(r.median),
    fmt(r.max),
    String(r.n),
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(line(l));
}

module.exports = { quantile, summary, repeat, printTable };
