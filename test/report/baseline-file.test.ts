import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { readBaseline, reportProblem } from "../../src/report/baseline-file";
import { readShard } from "../../src/report/merge";

const dir = mkdtempSync(join(tmpdir(), "wojest-baseline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const REPORT = {
  schema: 1,
  machine: { cpus: 2, cpuModel: "x" },
  gpu: null,
  files: [{ file: "a.test.ts", jobs: [{ ttftMs: 5 }], workers: [{ startupMs: 100 }] }],
};

describe("one check of a report file, for the baseline and for shards", () => {
  it("names the first thing wrong, by its field", () => {
    expect(reportProblem(REPORT)).toBeUndefined();
    expect(reportProblem({ ...REPORT, schema: 2 })).toMatch(/"schema" is 2, expected 1/);
    expect(reportProblem({ ...REPORT, files: [{ ...REPORT.files[0], jobs: [{ ttftMs: "5" }] }] })).toBe(
      'files[0].jobs[0].ttftMs is "5", expected a number',
    );
    expect(reportProblem({ ...REPORT, files: [null] })).toBe("files[0] is null, not a file record");
  });

  it("a baseline must have files; a shard may have none (a shard whose files used no worker)", () => {
    const empty = { ...REPORT, files: [] };
    expect(reportProblem(empty)).toMatch(/"files" is empty/);
    expect(reportProblem(empty, false)).toBeUndefined();
    expect(readShard(file("empty-shard.json", JSON.stringify(empty))).files).toEqual([]);
    expect(readBaseline(file("empty-baseline.json", JSON.stringify(empty)))).toMatchObject({
      kind: "damaged",
      message: expect.stringMatching(/cannot be compared with: "files" is empty/),
    });
  });

  it("tells a baseline that does not exist yet (with how to make it) from one that is damaged", () => {
    expect(readBaseline(join(dir, "none.json"), "reports")).toEqual({
      kind: "missing",
      message: expect.stringMatching(
        /does not exist yet, so nothing was compared; to create it, copy reports\/worker-orcd-report.json/,
      ),
    });
    expect(readBaseline(file("bad.json", "{"))).toMatchObject({
      kind: "damaged",
      message: expect.stringMatching(/is not JSON/),
    });
    expect(readBaseline(file("good.json", JSON.stringify(REPORT)))).toMatchObject({ kind: "report" });
    expect(() => readShard(join(dir, "none.json"))).toThrow(/no such file/);
  });
});
