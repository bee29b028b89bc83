import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";

// Every command of `worker-orcd-jest` (and the mock's bin) answers --help with its usage and exit 0,
// and a mistyped flag or subcommand with the nearest known one, its usage and exit 2.

const DIST = join(__dirname, "..", "..", "dist");
const run = (bin: string, args: string[]) =>
  spawnSync(process.execPath, [join(DIST, bin), ...args], { encoding: "utf8", timeout: 30_000 });

describe("the command line", () => {
  it.each([
    [["--help"], /^commands: conformance, compare-builds, report, workers, write-model/],
    [["conformance", "--help"], /^usage: worker-orcd-jest conformance --bin/],
    [["compare-builds", "--help"], /^usage: worker-orcd-jest compare-builds --bin <a> --bin <b>/],
    [["report", "--help"], /^usage: worker-orcd-jest report merge/],
    [["report", "compare", "--help"], /^usage: worker-orcd-jest report merge/],
    [["workers", "--help"], /^usage: worker-orcd-jest workers/],
    [["write-model", "--help"], /^usage: worker-orcd-jest write-model/],
  ])("worker-orcd-jest %j prints its usage and exits 0", (args, usage) => {
    const r = run("cli.js", args);
    expect(r.stdout).toMatch(usage);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it.each([
    [
      ["conformance", "--bni", "mock"],
      "worker-orcd-jest conformance: unknown option --bni (did you mean `--bin`?)",
    ],
    [
      ["write-model", "x.gguf", "--txt", "a b"],
      "worker-orcd-jest write-model: unknown option --txt (did you mean `--text`?)",
    ],
    [
      ["report", "comapre"],
      'worker-orcd-jest report: unknown subcommand "comapre" (did you mean `compare`?)',
    ],
    [
      ["compare-builds", "--bni", "mock"],
      "worker-orcd-jest compare-builds: unknown option --bni (did you mean `--bin`?)",
    ],
    [["workers", "--jsn"], "worker-orcd-jest workers: unknown option --jsn (did you mean `--json`?)"],
    [["wokers"], 'worker-orcd-jest: unknown command "wokers" (did you mean `workers`?)'],
  ])("worker-orcd-jest %j names the nearest known word and exits 2", (args, said) => {
    const r = run("cli.js", args);
    expect(r.stderr.split("\n")[0]).toBe(said);
    expect(r.stderr).toMatch(/usage: |commands: /);
    expect(r.status).toBe(2);
  });

  it("the mock's bin suggests the nearest flag too", () => {
    const r = run(join("mock", "cli.js"), ["--worker-id", "w1", "--modle", "mock"]);
    expect(r.stderr).toMatch(/unknown option --modle \(did you mean `--model`\?\)/);
    expect(r.status).toBe(2);
  });
});
