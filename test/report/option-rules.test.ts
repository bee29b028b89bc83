import { describe, expect, it } from "@jest/globals";
import { optionProblems } from "../../src/config/check";
import { REPORTER_RULES, SLO_RULES, TOLERANCE_RULES } from "../../src/report/option-rules";

describe("the report's option rules, one for the reporter, report compare and toMeetSlo", () => {
  it("SLO bounds: known names, milliseconds above 0, at least one", () => {
    const set = { rules: { slo: SLO_RULES } };
    expect(optionProblems({ slo: { ttftMs: 100, e2eMs: 1000 } }, set)).toEqual([]);
    expect(optionProblems({ slo: { ttftMs: 0 } }, set)).toEqual([
      "slo.ttftMs must be a number of ms > 0, got 0",
    ]);
    expect(optionProblems({ slo: {} }, set)).toEqual([
      "slo must be an object with any of ttftMs, tpotMs, e2eMs, got {}",
    ]);
  });

  it("tolerances: the current names and the old ones, each a number >= 0", () => {
    const set = { rules: { tolerances: TOLERANCE_RULES } };
    expect(optionProblems({ tolerances: { ttft: 0.5, startup: 10 } }, set)).toEqual([]);
    expect(optionProblems({ tolerances: { tftt: 1 } }, set)[0]).toMatch(
      /^unknown tolerance tftt \(did you mean `ttft`\?\) in tolerances; known: /,
    );
    expect(optionProblems({ tolerances: { ttft: -1 } }, set)).toEqual([
      "tolerances.ttft must be a number >= 0, got -1",
    ]);
  });

  it("the reporter's options", () => {
    expect(Object.keys(REPORTER_RULES).sort()).toEqual(
      [
        "baseline",
        "compareAcrossFingerprints",
        "compareAcrossMachines",
        "minGoodput",
        "outputDir",
        "slo",
        "tolerances",
        "warmupJobs",
      ].sort(),
    );
    expect(optionProblems({ minGoodput: 2, warmupJobs: 1.5 }, { rules: REPORTER_RULES })).toEqual([
      "minGoodput must be a number from 0 to 1, got 2",
      "warmupJobs must be a whole number >= 0, got 1.5",
    ]);
  });
});
