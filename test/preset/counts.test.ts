import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { REPO, scopeProjects } from "../helpers/jest-run";

// One source for every worker count: the summary line and the report's table agree,
// under -t, with a file that fails to load and with harnesses.

const { project, remove } = scopeProjects();
afterAll(remove);

/** The "N started" of the table's total row and the "N worker(s) started for M file(s)" of the summary. */
function counts(out: string) {
  const table = /total: \d+ file\(s\) +(\d+) started/.exec(out);
  const summary = /(\d+) worker\(s\) started for (\d+) file\(s\)/.exec(out);
  return { table: Number(table?.[1]), summary: Number(summary?.[1]), files: Number(summary?.[2]) };
}

describe("worker counts agree", () => {
  it("under -t, with a file that fails to load, and with a harness", async () => {
    const p = project({ prestart: false });
    p.write("a.test.js", `test("wanted a", async () => { await worker.health(); });\n`);
    p.write("b.test.js", `test("other b", async () => { await worker.health(); });\n`);
    p.write(
      "c.test.js",
      `const { WorkerTestHarness } = require(${JSON.stringify(join(REPO, "dist"))});
test("wanted c", async () => {
  const h = await WorkerTestHarness.startMock();
  try {
    await h.health();
  } finally {
    await h.stop();
  }
});
`,
    );
    p.write("d.test.js", `import nope from "./missing-module.mjs";\ntest("wanted d", () => {});\n`);
    const result = await p.run(["-i", "-t", "wanted"]);
    const c = counts(result.out);
    expect(c.table).toBe(c.summary);
    // a, c (and its harness), b filtered out by -t, d failed to load: the summary says what each start was for.
    expect(c.files).toBe(2);
    expect(result.out).toMatch(/given back unused by file\(s\) that ran no test/);
    expect(result.out).toMatch(/1 by WorkerTestHarness/);
    expect(c.summary).toBe(5); // a, b, c, d's workers (each started early, as the mock is) and c's harness
  }, 60_000);
});

describe("the run summary when no file got a worker", () => {
  it("says so instead of printing an empty scope name, and starts no worker ahead for files that will fail", async () => {
    const p = project();
    p.write("a.test.js", `test("uses the worker", async () => { await worker.health(); });\n`);
    p.write("b.test.js", `test("uses the worker", async () => { await worker.health(); });\n`);
    const result = await p.run(["-i"], { WORKER_ORCD_MODEL: "/nope.gguf" });
    expect(result.code).toBe(1);
    expect(result.out).not.toMatch(/scope :/);
    expect(result.out).toMatch(/files that do not override it in their docblock will fail/);
    // No file got a worker and none was started ahead for them: nothing to count, so no summary line.
    expect(result.out).not.toMatch(/spare\(s\) started ahead/);
    expect(result.out).not.toMatch(/worker\(s\) started for/);
  }, 60_000);
});

describe("the run summary when every worker fails to start", () => {
  it("counts a spare whose start failed as failed, not as 'not needed'", async () => {
    const p = project({ mode: "llama" });
    p.write("a.test.js", `test("uses the worker", async () => { await worker.health(); });\n`);
    p.write("b.test.js", `test("uses the worker", async () => { await worker.health(); });\n`);
    const result = await p.run(["-i"], { WORKER_ORCD_LLAMA_PATH: "/nonexistent-llama" });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/needs node-llama-cpp/);
    // Two files, two starts (each file's own, started ahead): none past the last file, none called unneeded.
    expect(result.out).not.toMatch(/not needed/);
    expect(result.out).toMatch(/2 worker\(s\) started for 0 file\(s\) \(2 started ahead failed to start/);
    expect(result.out).toMatch(
      /no file got a worker: \d+ worker\(s\) started for 0 file\(s\) \(\d+ started ahead failed to start \(their files got the error\)/,
    );
  }, 60_000);
});
