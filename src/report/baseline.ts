import { percentiles } from "../util/percentiles";
import type { RunReport } from "./types";
import { measuredStartup } from "./worker-record";

/** How far a figure may move before the gate fails: relative, and (for durations) at least `minDeltaMs`. */
export interface Tolerances {
  /** TTFT p95 per test may grow by this fraction. Default 0.25. */
  ttftP95: number;
  /** Tokens/s p50 per test may fall by this fraction. Default 0.2. */
  tokensPerSecP50: number;
  /** Start-up per file may grow by this fraction. Default 0.25. */
  startup: number;
  /** A duration must also grow by at least this many ms to count (timer noise on a busy machine). Default 20. */
  minDeltaMs: number;
}

export const DEFAULT_TOLERANCES: Tolerances = {
  ttftP95: 0.25,
  tokensPerSecP50: 0.2,
  startup: 0.25,
  minDeltaMs: 20,
};

/** One compared figure. */
export interface Comparison {
  what: string;
  figure: "TTFT p95" | "tok/s p50" | "start-up";
  before: number;
  after: number;
  /** Relative change, + is larger. */
  change: number;
  regressed: boolean;
}

/** The gate's verdict. */
export interface GateResult {
  compared: Comparison[];
  regressions: Comparison[];
  /** Why nothing was compared (other machine or GPU), if so. */
  skipped?: string;
}

const machineOf = (r: RunReport) => `${r.machine.cpus} x ${r.machine.cpuModel}`;
const gpuOf = (r: RunReport) => r.gpu?.name ?? "no GPU";

/** Compares this run with a stored report, test by test where the names match, and file by file for start-up. */
export function compareWithBaseline(
  current: RunReport,
  baseline: RunReport,
  tolerances: Partial<Tolerances> = {},
  acrossMachines = false,
): GateResult {
  const tol = { ...DEFAULT_TOLERANCES, ...tolerances };
  if (!acrossMachines && (machineOf(current) !== machineOf(baseline) || gpuOf(current) !== gpuOf(baseline))) {
    return {
      compared: [],
      regressions: [],
      skipped:
        `the baseline comes from another machine or GPU (${machineOf(baseline)}, ${gpuOf(baseline)}; ` +
        `this run: ${machineOf(current)}, ${gpuOf(current)}); set compareAcrossMachines to compare anyway`,
    };
  }
  const compared: Comparison[] = [];
  const byTest = (r: RunReport) => {
    const m = new Map<string, RunReport["files"][number]["jobs"]>();
    for (const j of r.files.flatMap((f) => f.jobs)) {
      if (!j.test) continue;
      m.set(j.test, [...(m.get(j.test) ?? []), j]);
    }
    return m;
  };
  const before = byTest(baseline);
  for (const [test, jobs] of byTest(current)) {
    const old = before.get(test);
    if (!old) continue;
    const t0 = percentiles(old.map((j) => j.ttftMs)).p95;
    const t1 = percentiles(jobs.map((j) => j.ttftMs)).p95;
    if (t0 !== undefined && t1 !== undefined)
      compared.push(duration(test, "TTFT p95", t0, t1, tol.ttftP95, tol.minDeltaMs));
    const s0 = percentiles(old.map((j) => j.tokensPerSec)).p50;
    const s1 = percentiles(jobs.map((j) => j.tokensPerSec)).p50;
    if (s0 !== undefined && s1 !== undefined && s0 > 0) {
      const change = (s1 - s0) / s0;
      compared.push({
        what: test,
        figure: "tok/s p50",
        before: s0,
        after: s1,
        change,
        regressed: change < -tol.tokensPerSecP50,
      });
    }
  }
  const startups = (r: RunReport) =>
    new Map(
      r.files.flatMap((f) => {
        const w = f.workers.find((x) => x.role === "env" && measuredStartup(x));
        return w ? [[f.file, w.startupMs] as const] : [];
      }),
    );
  const oldStart = startups(baseline);
  for (const [file, ms] of startups(current)) {
    const was = oldStart.get(file);
    if (was !== undefined) compared.push(duration(file, "start-up", was, ms, tol.startup, tol.minDeltaMs));
  }
  return { compared, regressions: compared.filter((c) => c.regressed) };
}

function duration(
  what: string,
  figure: Comparison["figure"],
  before: number,
  after: number,
  fraction: number,
  minDeltaMs: number,
): Comparison {
  const change = before > 0 ? (after - before) / before : 0;
  return {
    what,
    figure,
    before,
    after,
    change,
    regressed: change > fraction && after - before >= minDeltaMs,
  };
}

/** A before/after table of the regressions (or of everything compared, with `all`). */
export function formatComparison(result: GateResult, all = false): string {
  if (result.skipped) return `baseline not compared: ${result.skipped}`;
  const rows = (all ? result.compared : result.regressions).map((c) => [
    c.what,
    c.figure,
    c.before.toFixed(1),
    c.after.toFixed(1),
    `${c.change >= 0 ? "+" : ""}${(c.change * 100).toFixed(0)} %`,
    c.regressed ? "REGRESSED" : "ok",
  ]);
  const head = ["test or file", "figure", "before", "after", "change", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
