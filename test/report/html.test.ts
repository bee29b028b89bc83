import { describe, expect, it } from "@jest/globals";
import { withMetrics } from "../../src/report/build";
import { niceMax, renderHtml } from "../../src/report/html";
import { smallReport } from "../helpers/reports";

const withStats = (tpot: number) => {
  const r = smallReport(tpot);
  return { ...r, ...withMetrics(r.files, { warmupJobs: 1 }) };
};

describe("the report's HTML pages", () => {
  it("the run page is one self-contained file with the run's figures", () => {
    const html = renderHtml(withStats(5));
    expect(html).toMatch(/^<!doctype html>/i);
    for (const figure of ["TTFT", "TPOT", "tok/s"]) expect(html).toContain(figure);
    expect(html).toContain("Time to first token per test");
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(|@import|https?:\/\//);
  });

  it("chart axes end at a round number above the largest value", () => {
    expect(niceMax(0.37)).toBe(0.5);
    expect(niceMax(7.2)).toBe(10);
    expect(niceMax(130)).toBe(200);
  });
});
