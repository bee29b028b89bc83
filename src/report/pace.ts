import { percentiles } from "../util/percentiles";

/** The reference worker and job the pace is measured with (see `pace-probe.ts`). */
export const REFERENCE = {
  args: ["--token-interval-ms", "1", "--eos-after", "0"],
  describe:
    "the bundled mock at 1 ms a token, two 20-token jobs after each test file, and a SHA-256 CPU probe",
} as const;

/**
 * How fast the machine was during a run, as the reference measured it: one
 * value per reference job (TTFT, TPOT, median ITL, ms), per sample (the CPU
 * probe, ms) and per start (the reference worker's start-up, ms).
 */
export interface PaceSamples {
  reference: string;
  ttftMs: number[];
  tpotMs: number[];
  itlMs: number[];
  cpuMs: number[];
  startupMs: number[];
}

export function emptyPace(): PaceSamples {
  return { reference: REFERENCE.describe, ttftMs: [], tpotMs: [], itlMs: [], cpuMs: [], startupMs: [] };
}

/** Which reference figure tracks a gate figure's noise. */
export type PaceKey = "ttftMs" | "tpotMs" | "itlMs";

/** How far the reference moved between the baseline's run and this one, for one figure. */
export interface PaceShift {
  key: PaceKey;
  before: number;
  after: number;
  /** after − before, ms: what the machine alone added to every duration of that kind. */
  shift: number;
}

/**
 * Past this ratio between the reference's medians of the two runs (and by
 * more than the figure's floor), the machine is too different from the
 * baseline's for a verdict: the gate
 * withholds it (exit 2) instead of judging figures that mostly measure the
 * machine.
 */
export const MAX_PACE_RATIO = 3;

/** Fewest reference jobs a side needs before its pace is used. */
export const MIN_PACE_SAMPLES = 3;

/** The reference's shift for one figure, when both runs measured enough of it. */
export function paceShift(key: PaceKey, before?: PaceSamples, after?: PaceSamples): PaceShift | undefined {
  const b = before?.[key] ?? [];
  const a = after?.[key] ?? [];
  if (b.length < MIN_PACE_SAMPLES || a.length < MIN_PACE_SAMPLES) return undefined;
  const mb = percentiles(b).p50!;
  const ma = percentiles(a).p50!;
  return { key, before: mb, after: ma, shift: ma - mb };
}
