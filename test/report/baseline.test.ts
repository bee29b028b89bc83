import { describe, expect, it } from "@jest/globals";
import {
  compareWithBaseline,
  DEFAULT_TOLERANCES,
  formatComparison,
  nothingJudged,
  tolerancesOf,
} from "../../src/report/baseline";
import { smallReport } from "../helpers/reports";

describe("the baseline gate", () => {
  it("reads tolerances over the defaults, the first gate's names translated", () => {
    expect(tolerancesOf()).toEqual(DEFAULT_TOLERANCES);
    expect(tolerancesOf({ tpot: 0.5, ttftP95: 0.4, minDeltaMs: 30 })).toMatchObject({
      tpot: 0.5,
      ttft: 0.4,
      ttftFloorMs: 30,
      startupFloorMs: 30,
    });
  });

  it("passes the same figures and catches a slower TPOT, with a table that names it", () => {
    const same = compareWithBaseline(smallReport(5), smallReport(5));
    expect(same.regressions).toEqual([]);
    expect(nothingJudged(same, smallReport(5), smallReport(5))).toBeUndefined();
    const slow = compareWithBaseline(smallReport(8), smallReport(5));
    expect(slow.regressions.map((c) => `${c.what} ${c.figure}`)).toContain("(run) TPOT");
    expect(formatComparison(slow)).toMatch(/\(run\) +TPOT +12\/12 .*REGRESSED/);
  });

  it("compares nothing across machines unless asked, and says so (nothing judged is no pass)", () => {
    const elsewhere = compareWithBaseline(smallReport(5), smallReport(5, { cpu: "other" }));
    expect(elsewhere.skipped).toMatch(/the baseline comes from another machine or GPU/);
    expect(nothingJudged(elsewhere, smallReport(5), smallReport(5, { cpu: "other" }))).toBe(
      elsewhere.skipped,
    );
    expect(
      compareWithBaseline(smallReport(5), smallReport(5, { cpu: "other" }), {}, true).skipped,
    ).toBeUndefined();
  });

  it("withholds a verdict where one side has too few samples", () => {
    const few = compareWithBaseline(smallReport(5, { n: 2 }), smallReport(5, { n: 2 }));
    expect(nothingJudged(few, smallReport(5, { n: 2 }), smallReport(5, { n: 2 }))).toMatch(
      /every figure had too few samples on one side/,
    );
  });
});
