import { decisiveDifferences } from "../checks/fingerprint";
import { medianChange } from "../util/distribution";
import { LogHistogram } from "../util/log-histogram";
import { MAX_PACE_RATIO, type PaceKey, type PaceShift, paceShift } from "./pace";
import type { JobRecord, RunReport } from "./types";
import { measuredStartup } from "./worker-record";

/**
 * How far a figure may move before the gate fails. A figure regresses only
 * when both runs have `minSamples` samples of it, the 95 % confidence
 * interval of its median's change lies wholly beyond the fraction, and the
 * medians differ by at least the figure's floor.
 */
export interface Tolerances {
  /** TTFT's median may grow by this fraction. Default 0.25. */
  ttft: number;
  /** TPOT's median may grow by this fraction. Default 0.2. */
  tpot: number;
  /** ITL's median (over every gap between tokens) may grow by this fraction. Default 0.2. */
  itl: number;
  /** Output tokens/s per job, its median may fall by this fraction. Default 0.2. */
  tokensPerSec: number;
  /** Start-up's median (over the files' own workers) may grow by this fraction. Default 0.25. */
  startup: number;
  /** Smallest TTFT change that counts, ms. Default 10. */
  ttftFloorMs: number;
  /** Smallest TPOT change that counts, ms. Default 1. */
  tpotFloorMs: number;
  /** Smallest ITL change that counts, ms. Default 1. */
  itlFloorMs: number;
  /** Smallest tokens/s change that counts. Default 10. */
  tokensPerSecFloor: number;
  /** Smallest start-up change that counts, ms. Default 50. */
  startupFloorMs: number;
  /** Fewer samples than this on either side: the figure is shown, not judged. Default 5. */
  minSamples: number;
}

export const DEFAULT_TOLERANCES: Tolerances = {
  ttft: 0.25,
  tpot: 0.2,
  itl: 0.2,
  tokensPerSec: 0.2,
  startup: 0.25,
  ttftFloorMs: 10,
  tpotFloorMs: 1,
  itlFloorMs: 1,
  tokensPerSecFloor: 10,
  startupFloorMs: 50,
  minSamples: 5,
};

/** Names of the first gate (a single figure against a single figure), still read: each maps to its successor. */
export const LEGACY_TOLERANCES: Record<string, (v: number) => Partial<Tolerances>> = {
  ttftP95: (v) => ({ ttft: v }),
  tokensPerSecP50: (v) => ({ tokensPerSec: v }),
  minDeltaMs: (v) => ({ ttftFloorMs: v, startupFloorMs: v }),
};

/** The tolerances of `given` over the defaults, legacy names translated. */
export function tolerancesOf(given: Record<string, number> = {}): Tolerances {
  const out: Tolerances = { ...DEFAULT_TOLERANCES };
  for (const [k, v] of Object.entries(given)) {
    if (k in LEGACY_TOLERANCES) Object.assign(out, LEGACY_TOLERANCES[k](v));
    else if (k in DEFAULT_TOLERANCES) (out as unknown as Record<string, number>)[k] = v;
  }
  return out;
}

export type Figure = "TTFT" | "TPOT" | "ITL" | "tok/s" | "start-up";

/** One compared figure: the medians, their change with its 95 % interval, and the verdict. */
export interface Comparison {
  /** `"(run)"`, a test's full name. */
  what: string;
  figure: Figure;
  nBefore: number;
  nAfter: number;
  before: number;
  after: number;
  /** Relative change of the median, + is larger. */
  change: number;
  /** The bootstrap 95 % confidence interval of `change`: the noise the samples show. */
  low: number;
  high: number;
  /** False when either side had too few samples. */
  judged: boolean;
  regressed: boolean;
  /** Samples of each side, for the comparison page. */
  samples: { before: number[]; after: number[] };
}

/** The gate's verdict. */
export interface GateResult {
  compared: Comparison[];
  regressions: Comparison[];
  /** Figures shown but not judged (too few samples). */
  unjudged: Comparison[];
  /** Why nothing was compared (other machine or GPU, another fingerprint, or a machine whose pace moved too far), if so. */
  skipped?: string;
  /** What would make it compare anyway: the flag for a refusal the user may override. */
  override?: "machines" | "fingerprints";
  /** How far the reference worker moved between the two runs (taken out of this run's figures before judging). */
  pace?: PaceShift[];
}

const machineOf = (r: RunReport) => `${r.machine.cpus} x ${r.machine.cpuModel}`;
const gpuOf = (r: RunReport) => r.gpu?.name ?? "no GPU";

interface FigureSpec {
  figure: Figure;
  samples: (jobs: JobRecord[]) => number[];
  /** The reference figure whose move is taken out of this one (a duration, ms; tok/s through TPOT). */
  pace: PaceKey;
  tolerance: (t: Tolerances) => number;
  floor: (t: Tolerances) => number;
  /** `up`: a larger value is worse (durations); `down`: a smaller one is (throughput). */
  worse: "up" | "down";
}

const defined = (v: (number | undefined)[]) =>
  v.filter((x): x is number => typeof x === "number" && Number.isFinite(x));

const FIGURES: FigureSpec[] = [
  {
    figure: "TTFT",
    pace: "ttftMs",
    samples: (js) => defined(js.map((j) => j.ttftMs)),
    tolerance: (t) => t.ttft,
    floor: (t) => t.ttftFloorMs,
    worse: "up",
  },
  {
    figure: "TPOT",
    pace: "tpotMs",
    samples: (js) => defined(js.map((j) => j.tpotMs)),
    tolerance: (t) => t.tpot,
    floor: (t) => t.tpotFloorMs,
    worse: "up",
  },
  {
    figure: "ITL",
    // The reference's mean gap (its TPOT): a job's median gap is 0 whenever the client read most of it at once.
    pace: "tpotMs",
    samples: (js) => LogHistogram.of(js.flatMap((j) => (j.itl ? [j.itl] : []))).values(2000),
    tolerance: (t) => t.itl,
    floor: (t) => t.itlFloorMs,
    worse: "up",
  },
  {
    figure: "tok/s",
    pace: "tpotMs",
    samples: (js) => defined(js.map((j) => j.tokensPerSec)),
    tolerance: (t) => t.tokensPerSec,
    floor: (t) => t.tokensPerSecFloor,
    worse: "down",
  },
];

/** Judges one figure from the two sides' samples. */
function judge(
  what: string,
  figure: Figure,
  before: number[],
  after: number[],
  tolerance: number,
  floor: number,
  worse: "up" | "down",
  minSamples: number,
): Comparison | undefined {
  if (before.length === 0 || after.length === 0) return undefined;
  const m = medianChange(before, after);
  const judged = before.length >= minSamples && after.length >= minSamples;
  // Regressed only when even the interval's best case is past the tolerance, and the move is past the floor.
  const beyond = worse === "up" ? m.low > tolerance : m.high < -tolerance;
  const regressed = judged && beyond && Math.abs(m.after - m.before) >= floor;
  return {
    what,
    figure,
    nBefore: before.length,
    nAfter: after.length,
    before: m.before,
    after: m.after,
    change: m.change,
    low: m.low,
    high: m.high,
    judged,
    regressed,
    samples: { before, after },
  };
}

const counted = (r: RunReport) => r.files.flatMap((f) => f.jobs).filter((j) => !j.warmup);

/**
 * Compares this run with a stored report: each figure over the whole run's
 * jobs (warm-up left out), and per test whose name matches where both sides
 * have enough jobs; start-up over the files' own workers. Distributions are
 * compared, not single figures (see {@link Tolerances}).
 */
export function compareWithBaseline(
  current: RunReport,
  baseline: RunReport,
  tolerances: Partial<Tolerances> | Record<string, number> = {},
  across: boolean | { machines?: boolean; fingerprints?: boolean } = false,
): GateResult {
  const tol = tolerancesOf(tolerances as Record<string, number>);
  const { machines = false, fingerprints = false } =
    typeof across === "boolean" ? { machines: across } : across;
  if (!machines && (machineOf(current) !== machineOf(baseline) || gpuOf(current) !== gpuOf(baseline))) {
    return {
      compared: [],
      regressions: [],
      unjudged: [],
      override: "machines",
      skipped:
        `the baseline comes from another machine or GPU (${machineOf(baseline)}, ${gpuOf(baseline)}; ` +
        `this run: ${machineOf(current)}, ${gpuOf(current)}): figures of two machines measure the machines`,
    };
  }
  const differ =
    current.fingerprint && baseline.fingerprint
      ? decisiveDifferences(baseline.fingerprint, current.fingerprint)
      : [];
  if (!fingerprints && differ.length > 0)
    return {
      compared: [],
      regressions: [],
      unjudged: [],
      override: "fingerprints",
      skipped:
        `the baseline ran something else (baseline vs this run: ${differ.join("; ")}): ` +
        "figures of another GPU, driver, worker build or model measure that difference, not a regression",
    };
  const shifts = (["ttftMs", "tpotMs"] as const)
    .map((key) => paceShift(key, baseline.pace, current.pace))
    .filter((p): p is PaceShift => p !== undefined);
  // Too far: slower by more than MAX_PACE_RATIO and past the figure's floor (a 3 -> 9 ms TTFT is still judged), or
  // a reference TPOT fallen below a third of the baseline's: its tokens came at once, the client was starved.
  const floorOf = (p: PaceShift) => (p.key === "ttftMs" ? tol.ttftFloorMs : tol.tpotFloorMs);
  const moved = shifts.find(
    (p) =>
      (p.after > p.before * MAX_PACE_RATIO && p.shift >= floorOf(p)) ||
      (p.key === "tpotMs" && p.after * MAX_PACE_RATIO < p.before),
  );
  if (moved)
    return {
      compared: [],
      regressions: [],
      unjudged: [],
      pace: shifts,
      skipped:
        `the machine's pace moved too far to judge against the baseline: the reference worker's ${moved.key.replace(/Ms$/, "").toUpperCase()} ` +
        `was ${fmtMs(moved.before)} ms then and ${fmtMs(moved.after)} ms now (${moved.shift > 0 ? `more than ${MAX_PACE_RATIO}x slower, and past its floor` : `under a third: its tokens arrived at once, the client was starved of CPU`}); ` +
        "rerun on a quieter machine, or take a new baseline on this one",
    };
  /** This run's samples of a figure with the reference's move taken out (the machine's share of every duration). */
  const corrected = (f: FigureSpec, samples: number[]): number[] => {
    // Only a slower machine is taken out: a reference faster than the baseline's is its tokens read at once.
    const shift = Math.max(0, shifts.find((p) => p.key === f.pace)?.shift ?? 0);
    if (shift === 0) return samples;
    if (f.worse === "up") return samples.map((x) => Math.max(0, x - shift));
    return samples.map((x) => 1000 / Math.max(1e-3, 1000 / x - shift));
  };
  const compared: Comparison[] = [];
  const add = (c: Comparison | undefined) => c && compared.push(c);
  const groups = (r: RunReport) => {
    const m = new Map<string, JobRecord[]>([["(run)", counted(r)]]);
    for (const j of counted(r)) if (j.test) m.set(j.test, [...(m.get(j.test) ?? []), j]);
    return m;
  };
  const before = groups(baseline);
  for (const [what, jobs] of groups(current)) {
    const old = before.get(what);
    if (!old) continue;
    for (const f of FIGURES)
      add(
        judge(
          what,
          f.figure,
          f.samples(old),
          corrected(f, f.samples(jobs)),
          f.tolerance(tol),
          f.floor(tol),
          f.worse,
          tol.minSamples,
        ),
      );
  }
  const startups = (r: RunReport) =>
    r.files.flatMap((f) =>
      f.workers.filter((w) => w.role === "env" && measuredStartup(w)).map((w) => w.startupMs),
    );
  add(
    judge(
      "(run)",
      "start-up",
      startups(baseline),
      startups(current),
      tol.startup,
      tol.startupFloorMs,
      "up",
      tol.minSamples,
    ),
  );
  // Per test, only what can be judged is kept: a test's handful of jobs would be one more line of noise.
  const kept = compared.filter((c) => c.what === "(run)" || c.judged);
  return {
    compared: kept,
    regressions: kept.filter((c) => c.regressed),
    unjudged: kept.filter((c) => !c.judged),
    ...(shifts.length ? { pace: shifts } : {}),
  };
}

const fmtMs = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(2));

/**
 * The line that says how far the machine's pace moved between the two runs
 * (the reference worker's medians), taken out of this run's figures; empty
 * when either report has no pace.
 */
export function formatPace(result: GateResult): string {
  if (!result.pace?.length) return "";
  const parts = result.pace.map(
    (p) =>
      `${p.key.replace(/Ms$/, "").toUpperCase()} ${fmtMs(p.before)} -> ${fmtMs(p.after)} ms (${p.shift >= 0 ? "+" : ""}${fmtMs(p.shift)})`,
  );
  return `machine pace (the reference worker, baseline -> this run): ${parts.join(", ")}; each shift is taken out of this run's figures before they are judged`;
}

/**
 * Why the gate could judge no figure at all, or undefined when it judged
 * one: nothing compared is no pass (a run whose tests all died before any
 * job would otherwise read "no regression"). The reporter and `report
 * compare` both withhold their verdict on it, with exit code 2.
 */
export function nothingJudged(
  result: GateResult,
  current: RunReport,
  baseline: RunReport,
): string | undefined {
  if (result.skipped) return result.skipped;
  if (result.compared.some((c) => c.judged)) return undefined;
  if (counted(baseline).length === 0)
    return `the baseline holds no job (${baseline.files.length} file(s)): it is no baseline; write it from a good run`;
  if (counted(current).length === 0)
    return `this run holds no job (${current.files.length} file(s)): its tests may have failed before any job ran`;
  return (
    "every figure had too few samples on one side (fewer than minSamples): " +
    result.compared.map((c) => `${c.figure} ${c.nBefore}/${c.nAfter}`).join(", ")
  );
}

const pct = (v: number) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(0)} %`;
const fig = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(1));

/** A table of the regressions (or of everything compared, with `all`), each change with its 95 % interval. */
export function formatComparison(result: GateResult, all = false): string {
  if (result.skipped) return `baseline not compared: ${result.skipped}`;
  const rows = (all ? result.compared : result.regressions).map((c) => [
    c.what,
    c.figure,
    `${c.nBefore}/${c.nAfter}`,
    fig(c.before),
    fig(c.after),
    pct(c.change),
    `${pct(c.low)} to ${pct(c.high)}`,
    c.regressed ? "REGRESSED" : c.judged ? "ok" : "too few samples",
  ]);
  const head = ["test or file", "figure", "n", "before", "after", "change", "95 % interval", "verdict"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
