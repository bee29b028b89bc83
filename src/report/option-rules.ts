import { type Nested, type OptionRules, rules } from "../config/check";
import { DEFAULT_TOLERANCES, LEGACY_TOLERANCES } from "./baseline";
import { SLO_KEYS } from "./metrics";

/**
 * SLO bounds (`{ ttftMs, tpotMs, e2eMs }`, milliseconds > 0, at least one):
 * the one rule of the reporter's `slo` and `toMeetSlo`'s argument.
 */
export const SLO_RULES: Nested = {
  noun: "SLO bound",
  nonEmpty: true,
  nested: Object.fromEntries(SLO_KEYS.map((k) => [k, rules.number(0, { above: true, unit: "of ms" })])),
};

/**
 * The gate's tolerances (each a number >= 0; old names too): the one rule of
 * the reporter's `tolerances` and `report compare --tolerances`.
 */
export const TOLERANCE_RULES: Nested = {
  noun: "tolerance",
  nested: Object.fromEntries(
    [...Object.keys(DEFAULT_TOLERANCES), ...Object.keys(LEGACY_TOLERANCES)].map((k) => [k, rules.number(0)]),
  ),
};

/** The reporter's options (`["worker-orcd-jest/reporter", { ... }]`). */
export const REPORTER_RULES: OptionRules = {
  outputDir: rules.path,
  baseline: rules.path,
  tolerances: TOLERANCE_RULES,
  compareAcrossMachines: rules.flag,
  compareAcrossFingerprints: rules.flag,
  warmupJobs: rules.count(0),
  slo: SLO_RULES,
  minGoodput: rules.number(0, { max: 1 }),
};
