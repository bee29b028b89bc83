import { describe, expect, it } from "@jest/globals";
import { compareWithBaseline, formatPace, nothingJudged } from "../../src/report/baseline";
import { emptyPace, type PaceSamples, paceShift } from "../../src/report/pace";
import type { RunReport } from "../../src/report/types";

/** A report of `n` jobs whose TPOT is `tpot` ms (a little spread), with the reference's TPOT at `ref` ms. */
function run(tpot: number, ref: number | undefined, n = 12): RunReport {
  const spread = (k: number) => 1 + 0.02 * Math.sin(k * 7.3);
  const pace: PaceSamples | undefined =
    ref === undefined
      ? undefined
      : { ...emptyPace(), tpotMs: Array.from({ length: 8 }, (_, k) => ref * spread(k)) };
  return {
    schema: 1,
    machine: { cpus: 2, cpuModel: "cpu" },
    gpu: null,
    files: [
      {
        file: "a.test.js",
        workers: [],
        jobs: Array.from({ length: n }, (_, k) => ({
          test: "t",
          jobId: `j${k}`,
          tokens: 20,
          tpotMs: tpot * spread(k),
          tokensPerSec: 1000 / (tpot * spread(k)),
          arrivals: [],
        })),
      },
    ],
    ...(pace ? { pace } : {}),
  } as unknown as RunReport;
}
const tpotOf = (r: ReturnType<typeof compareWithBaseline>) =>
  r.compared.find((c) => c.what === "(run)" && c.figure === "TPOT")!;

describe("the gate takes the machine's pace out of the figures", () => {
  it("a shift that the reference worker saw too is the machine's, not the worker's", () => {
    // The machine added 2 ms to every token of the reference and of the worker under test: no regression.
    const busy = compareWithBaseline(run(7, 3), run(5, 1));
    expect(busy.regressions).toEqual([]);
    expect(tpotOf(busy).after).toBeCloseTo(5, 0);
    expect(busy.pace).toEqual([
      { key: "tpotMs", before: expect.any(Number), after: expect.any(Number), shift: expect.any(Number) },
    ]);
    expect(formatPace(busy)).toMatch(
      /machine pace \(the reference worker, baseline -> this run\): TPOT 1\.00 -> 3\.0\d ms \(\+2\.0\d\)/,
    );
    // Without a pace on both sides the same figures regress, as before.
    expect(compareWithBaseline(run(7, undefined), run(5, 1)).regressions.map((c) => c.figure)).toContain(
      "TPOT",
    );
  });

  it("a worker that slowed down beyond the machine's shift is still caught", () => {
    const slowed = compareWithBaseline(run(9.5, 3), run(5, 1));
    expect(slowed.regressions.map((c) => `${c.what} ${c.figure}`)).toContain("(run) TPOT");
    expect(tpotOf(slowed).after).toBeCloseTo(7.5, 0);
  });

  it("withholds its verdict when the pace moved more than 3x: nothing judged, with the reason", () => {
    const current = run(20, 3.5);
    const baseline = run(5, 1);
    const result = compareWithBaseline(current, baseline);
    expect(result.compared).toEqual([]);
    expect(nothingJudged(result, current, baseline)).toMatch(
      /the machine's pace moved too far to judge against the baseline: the reference worker's TPOT was 1\.00 ms then and 3\.5\d ms now \(more than 3x slower, and past its floor\)/,
    );
  });

  it("uses a pace only where both runs measured three reference jobs or more", () => {
    const few = { ...emptyPace(), tpotMs: [1, 1] };
    expect(paceShift("tpotMs", few, { ...emptyPace(), tpotMs: [2, 2, 2] })).toBeUndefined();
    expect(paceShift("tpotMs", { ...few, tpotMs: [1, 1, 1] }, { ...emptyPace(), tpotMs: [2, 2, 2] })).toEqual(
      {
        key: "tpotMs",
        before: 1,
        after: 2,
        shift: 1,
      },
    );
  });
});
