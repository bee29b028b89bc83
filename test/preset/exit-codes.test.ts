import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { MOCK_ENTRY } from "../../src/worker/command";
import { type FixtureProject, NAME_ORDER_SEQUENCER, scopeProjects } from "../helpers/jest-run";

// Jest's exit code and outputs are exactly what they would be without the package,
// on every teardown path. Each run is a real Jest child; its exit code, summary and --outputFile are checked.

const { project, remove } = scopeProjects();
afterAll(remove);

const STUBBORN = { WORKER_ORCD_MOCK_FAULT: "ignore-sigterm" };
const failing = (name: string) =>
  `test("${name} one", async () => { await worker.health(); expect(1).toBe(2); });\n` +
  `test("${name} two", async () => { expect("a").toBe("b"); });\n`;
const passing = (name: string) =>
  `test("${name}", async () => { expect(await worker.health()).toBeHealthy(); });\n`;

/** Runs the project with `--json --outputFile` and checks exit code, summary and report together. */
async function expectOutcome(
  p: FixtureProject,
  args: string[],
  failed: number,
  passed: number,
): Promise<string> {
  const result = await p.run([...args, "--json", "--outputFile=r.json"]);
  const out = join(p.dir, "r.json");
  expect({ code: result.code, report: existsSync(out) }).toEqual({ code: failed > 0 ? 1 : 0, report: true });
  const report = JSON.parse(readFileSync(out, "utf8"));
  expect({ failed: report.numFailedTests, passed: report.numPassedTests }).toEqual({ failed, passed });
  const summary = [failed ? `${failed} failed` : "", passed ? `${passed} passed` : ""]
    .filter(Boolean)
    .join(", ");
  expect(result.out).toMatch(new RegExp(`Tests: +${summary}, ${failed + passed} total`));
  expect(result.out).toMatch(/worker-orcd-jest: scope "(file|process)": \d+ worker\(s\) started/);
  expect(await p.survivors(3000)).toEqual([]);
  return result.out;
}

describe("Jest's exit code and --outputFile hold on every teardown path", () => {
  it("a cooperative stop (scope file)", async () => {
    const p = project();
    p.write("a.test.js", failing("a"));
    await expectOutcome(p, ["-i"], 2, 0);
  }, 60_000);

  it("a worker that needs SIGKILL at teardown, scope process, failing and passing runs", async () => {
    const p = project({ scope: "process", shutdownGraceMs: 1000, env: STUBBORN });
    p.write("a.test.js", failing("a"));
    await expectOutcome(p, ["-i"], 2, 0);
    const ok = project({ scope: "process", shutdownGraceMs: 1000, env: STUBBORN });
    ok.write("a.test.js", passing("a"));
    await expectOutcome(ok, ["-i"], 0, 1);
  }, 60_000);

  it("a worker that needs SIGKILL, scope file", async () => {
    const p = project({ shutdownGraceMs: 1000, env: STUBBORN });
    p.write("a.test.js", failing("a"));
    await expectOutcome(p, ["-i"], 2, 0);
  }, 60_000);

  it("an unused spare that needs SIGKILL under --bail (scope file)", async () => {
    const p = project({ shutdownGraceMs: 1000, env: STUBBORN }, { testSequencer: "./sequencer.js" });
    p.write("sequencer.js", NAME_ORDER_SEQUENCER);
    p.write("a.test.js", failing("a"));
    p.write("b.test.js", passing("b"));
    p.write("c.test.js", passing("c"));
    // Jest itself writes no --outputFile when --bail stops the run: the package must change nothing of that.
    p.write("plain.config.js", `module.exports = { rootDir: __dirname, testMatch: ["**/plain-*.test.js"] };`);
    p.write("plain-a.test.js", `test("x", () => expect(1).toBe(2));`);
    p.write("plain-b.test.js", `test("y", () => {});`);
    const plain = await p.run([
      "-i",
      "--bail",
      "--json",
      "--outputFile=plain.json",
      "--config=plain.config.js",
    ]);
    const bailed = await p.run([
      "-i",
      "--bail",
      "--json",
      "--outputFile=r.json",
      "--testPathIgnorePatterns=plain",
    ]);
    expect({ code: bailed.code, report: existsSync(join(p.dir, "r.json")) }).toEqual({
      code: plain.code,
      report: existsSync(join(p.dir, "plain.json")),
    });
    expect(bailed.code).toBe(1);
    expect(bailed.out).toMatch(/Tests: +2 failed, 2 total/);
    expect(bailed.out).toMatch(/spare\(s\) started ahead were not needed and were stopped/);
    expect(await p.survivors(3000)).toEqual([]);
  }, 60_000);

  it("a kept worker handed from file to file (scope process)", async () => {
    const p = project({ scope: "process" }, { testSequencer: "./sequencer.js" });
    p.write("sequencer.js", NAME_ORDER_SEQUENCER);
    p.write("a.test.js", passing("a"));
    p.write("b.test.js", failing("b"));
    const out = await expectOutcome(p, ["-i"], 2, 1);
    expect(out).toMatch(/1 worker\(s\) started for 2 file\(s\) \(1 took over a kept worker/);
  }, 60_000);

  it("a real worker that drains for longer than the grace after SIGTERM", async () => {
    const p = project({ mode: "real", binary: "./bin/draining", model: "./m.gguf", shutdownGraceMs: 500 });
    p.write("m.gguf", require("../../src/checks/gguf").buildGgufHeader("qwen2"));
    p.write(
      "bin/draining",
      `#!/bin/sh\n"${process.execPath}" "${MOCK_ENTRY}" "$@" &\nchild=$!\ntrap 'sleep 2; kill $child 2>/dev/null; exit 0' TERM\nwait $child\nwait $child\n`,
      0o755,
    );
    p.write("a.test.js", failing("a"));
    await expectOutcome(p, ["-i"], 2, 0);
    const kept = project({
      mode: "real",
      scope: "process",
      binary: "./bin/draining",
      model: "./m.gguf",
      shutdownGraceMs: 500,
    });
    kept.write("m.gguf", require("../../src/checks/gguf").buildGgufHeader("qwen2"));
    kept.write("bin/draining", readFileSync(join(p.dir, "bin/draining")), 0o755);
    kept.write("a.test.js", failing("a"));
    await expectOutcome(kept, ["-i"], 2, 0);
  }, 60_000);

  it("two Jest worker processes, each with a stubborn kept worker", async () => {
    const p = project({ scope: "process", shutdownGraceMs: 1000, env: STUBBORN });
    p.write("a.test.js", failing("a"));
    p.write("b.test.js", passing("b"));
    await expectOutcome(p, ["--maxWorkers=2"], 2, 1);
  });
});
