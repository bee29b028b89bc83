import { describe, expect, it } from "@jest/globals";
import { compareWithBaseline } from "../../src/report/baseline";
import { withMetrics } from "../../src/report/build";
import { renderCompareHtml } from "../../src/report/compare-html";
import { smallReport } from "../helpers/reports";

const withStats = (tpot: number) => {
  const r = smallReport(tpot);
  return { ...r, ...withMetrics(r.files, { warmupJobs: 1 }) };
};

describe("report compare's page", () => {
  it("the comparison page shows both runs' figures with the verdict", () => {
    const result = compareWithBaseline(withStats(8), withStats(5));
    const page = renderCompareHtml(withStats(5), withStats(8), result, ["before.json", "after.json"]);
    expect(page).toContain("worker-orcd-jest comparison");
    expect(page).toContain("REGRESSED");
    expect(page).not.toMatch(/<script|<link|<img|src=|url\(|@import|https?:\/\//);
  });
});
