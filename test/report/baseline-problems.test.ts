import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { FixtureProject, PRESET, REPO } from "../helpers/jest-run";

// Every baseline problem is one printed line naming the file and what is wrong, Jest's summary
// and global teardown still happen, and the outcome is the README's (a missing file passes and says how to create it).

const REPORTER = join(REPO, "reporter.js");
const p = new FixtureProject({
  reporters: ["default", [REPORTER, { outputDir: "out", baseline: "baseline.json" }]],
});
afterAll(() => p.remove());
const ONE = `test("one job", async () => {
  expect(await worker.execute({ job_id: "o", prompt: "hello", max_tokens: 5 })).toCompleteSuccessfully();
});`;
p.write("one.test.js", ONE);

/** Runs with `baseline.json` holding `text` (absent when undefined); checks what every outcome shares. */
async function runWith(text?: string) {
  rmSync(join(p.dir, "baseline.json"), { force: true });
  if (text !== undefined) p.write("baseline.json", text);
  const result = await p.run([]);
  expect(result.out).toMatch(/Tests: +1 passed, 1 total/); // Jest's summary was printed
  expect(result.out).toMatch(/worker-orcd-jest: scope "file": 1 worker\(s\) started/); // global teardown ran
  expect(result.out).not.toMatch(/TypeError/);
  const lines = result.out.split("\n").filter((l) => l.includes(`baseline ${join(p.dir, "baseline.json")}`));
  expect(lines).toHaveLength(1);
  return { code: result.code, line: lines[0] };
}
let good = "";

describe("baseline problems", () => {
  it("a missing baseline passes the run and says how to create it", async () => {
    const missing = await runWith();
    expect(missing.code).toBe(0);
    expect(missing.line).toMatch(
      /does not exist yet, so nothing was compared; to create it, copy out\/worker-orcd-report\.json/,
    );
    good = readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8");
  }, 60_000);

  const damaged: [string, () => string, RegExp][] = [
    ["not JSON", () => "{ nope", /is not JSON/],
    ["{}", () => "{}", /"schema" is undefined, expected 1/],
    ["no files", () => JSON.stringify({ ...JSON.parse(good), files: [] }), /"files" is empty/],
    ["a null file entry", () => JSON.stringify({ ...JSON.parse(good), files: [null] }), /files\[0\] is null/],
    [
      "a null job entry",
      () => {
        const b = JSON.parse(good);
        b.files[0].jobs = [null];
        return JSON.stringify(b);
      },
      /files\[0\]\.jobs\[0\] is null, not a job record/,
    ],
    [
      "a string figure",
      () => {
        const b = JSON.parse(good);
        b.files[0].jobs[0].ttftMs = "5";
        return JSON.stringify(b);
      },
      /files\[0\]\.jobs\[0\]\.ttftMs is "5", expected a number/,
    ],
  ];
  it.each(damaged)(
    "a baseline with %s fails the run with one line",
    async (_name, text, wrong) => {
      expect(good).not.toBe("");
      const run = await runWith(text());
      expect(run.code).toBe(1);
      expect(run.line).toMatch(wrong);
      expect(run.line).toMatch(/write it again from a run's worker-orcd-report\.json$/);
    },
    60_000,
  );

  it("a reporter option whose value is undefined is an absent option", async () => {
    const q = new FixtureProject();
    try {
      q.write(
        "jest.config.js",
        `module.exports = { rootDir: __dirname, preset: ${JSON.stringify(PRESET)}, reporters: ["default", [${JSON.stringify(REPORTER)}, { baseline: process.env.BL, outputDir: undefined }]] };`,
      );
      q.write("one.test.js", ONE);
      const result = await q.run([], { BL: undefined });
      expect(result.code).toBe(0);
      expect(result.out).not.toMatch(/worker-orcd-jest reporter:/);
      expect(result.out).toMatch(/Tests: +1 passed/);
    } finally {
      q.remove();
    }
  }, 60_000);
});
