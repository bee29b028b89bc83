import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { reportMain } from "../../src/report/cli";
import { smallReport } from "../helpers/reports";
import { sink } from "../helpers/sink";

const dir = mkdtempSync(join(tmpdir(), "wojest-report-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const save = (name: string, report: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(report));
  return path;
};
function main(args: string[]) {
  const out = sink();
  const err = sink();
  const code = reportMain(args, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

describe("worker-orcd-jest report", () => {
  it("merge: two shards into one report and its page", () => {
    const a = save("a.json", smallReport(5, { file: "a.test.js" }));
    const b = save("b.json", smallReport(5, { file: "b.test.js" }));
    const merged = main(["merge", a, b, "-o", join(dir, "merged")]);
    expect(merged.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "merged", "worker-orcd-report.json"), "utf8"));
    expect(report.files.map((f: { file: string }) => f.file)).toEqual(["a.test.js", "b.test.js"]);
    expect(main(["merge", a]).err).toMatch(/-o <dir> is required/);
  });

  it("compare: exit 0 for the same figures, 1 for a regression, 2 where nothing is judged or the arguments are wrong", () => {
    const base = save("base.json", smallReport(5));
    expect(main(["compare", base, save("same.json", smallReport(5))]).code).toBe(0);
    const slow = main(["compare", base, save("slow.json", smallReport(8))]);
    expect(slow.code).toBe(1);
    expect(slow.out).toMatch(/\(run\) +TPOT .*REGRESSED/);
    expect(main(["compare", base, save("other.json", smallReport(5, { cpu: "other" }))]).code).toBe(2);
    expect(main(["compare", base]).code).toBe(2);
  });
});
