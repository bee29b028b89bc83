import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { REPO, scopeProjects } from "../helpers/jest-run";

// The reports of the shards of one real run, merged by the CLI.

const { project, remove } = scopeProjects();
afterAll(remove);
const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(REPO, "dist", "cli.js"), ...args], { encoding: "utf8" });

describe("worker-orcd-jest report merge", () => {
  it("merges two shards of a real run into one JSON and HTML report, each file keeping its shard and machine", async () => {
    const p = project();
    for (const n of ["a", "b", "c", "d"])
      p.write(
        `${n}.test.js`,
        `test("${n}", async () => { await worker.execute({ job_id: "${n}", prompt: "hi", max_tokens: 3 }); });\n`,
      );
    const one = await p.run(["--shard=1/2", "-i"], { WORKER_ORCD_REPORT_DIR: "shard-1" });
    const two = await p.run(["--shard=2/2", "-i"], { WORKER_ORCD_REPORT_DIR: "shard-2" });
    expect([one.code, two.code]).toEqual([0, 0]);
    const shard = (k: number) => join(p.dir, `shard-${k}`, "worker-orcd-report.json");
    const merged = cli(["report", "merge", shard(1), shard(2), "-o", join(p.dir, "merged")]);
    expect(merged.status).toBe(0);
    expect(merged.stdout).toMatch(/merged 2 shard report\(s\) into/);
    const report = JSON.parse(readFileSync(join(p.dir, "merged", "worker-orcd-report.json"), "utf8"));
    expect(report.files.map((f: { file: string }) => f.file)).toEqual([
      "a.test.js",
      "b.test.js",
      "c.test.js",
      "d.test.js",
    ]);
    expect(report.totals).toMatchObject({ files: 4, jobs: 4, tokens: 12 });
    for (const f of report.files)
      expect(f.shard).toEqual({
        report: expect.stringMatching(/^shard-[12]\/worker-orcd-report\.json$/),
        machine: expect.stringMatching(/ x /),
        gpu: "no GPU",
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      });
    expect(report.merged).toEqual({ shards: 2, differences: [] });
    expect(new Set(report.files.map((f: { shard: { report: string } }) => f.shard.report)).size).toBe(2);
    expect(merged.stdout).toMatch(/a\.test\.js \(shard-[12]\/worker-orcd-report\.json\)/);
    expect(existsSync(join(p.dir, "merged", "worker-orcd-report.html"))).toBe(true);
    // The same shard twice is a mistake, said as such; so is a file that is not a report.
    const twice = cli(["report", "merge", shard(1), shard(1), "-o", join(p.dir, "twice")]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/is in two shard reports .*merge the shards of one run, each once/);
    const missing = cli(["report", "merge", join(p.dir, "nope.json"), "-o", join(p.dir, "x")]);
    expect(missing.stderr).toMatch(/nope\.json: no such file/);
    expect(cli(["report", "merge", shard(1)]).stderr).toMatch(/-o <dir> is required/);
    // A shard whose files used no worker still merges (only a baseline needs files).
    const empty = join(p.dir, "empty", "worker-orcd-report.json");
    p.write(
      "empty/worker-orcd-report.json",
      JSON.stringify({ ...JSON.parse(readFileSync(shard(1), "utf8")), files: [] }),
    );
    const withEmpty = cli(["report", "merge", shard(1), empty, "-o", join(p.dir, "with-empty")]);
    expect(withEmpty.status).toBe(0);
    // Shards from two machines and two package versions: each file keeps its own, and the top says they differ.
    const base = JSON.parse(readFileSync(shard(2), "utf8"));
    p.write(
      "other/worker-orcd-report.json",
      JSON.stringify({
        ...base,
        machine: { ...base.machine, hostname: "gpu-box-7", cpuModel: "Other CPU" },
        package: { ...base.package, version: "9.9.9" },
      }),
    );
    const other = join(p.dir, "other", "worker-orcd-report.json");
    const mixed = cli(["report", "merge", shard(1), other, "-o", join(p.dir, "mixed")]);
    expect(mixed.status).toBe(0);
    expect(mixed.stdout).toMatch(
      /note: the shards ran on 2 different machines: .*\(shard-1\/.*gpu-box-7 .*\(other\//,
    );
    expect(mixed.stdout).toMatch(/note: the shards ran on 2 different package versions: .*9\.9\.9 \(other\//);
    const m = JSON.parse(readFileSync(join(p.dir, "mixed", "worker-orcd-report.json"), "utf8"));
    expect(m.merged.differences).toHaveLength(2);
    const fromOther = m.files.filter((f: { shard: { report: string } }) =>
      f.shard.report.startsWith("other/"),
    );
    expect(fromOther.length).toBeGreaterThan(0);
    for (const f of fromOther) expect(f.shard).toMatchObject({ machine: /gpu-box-7/, version: "9.9.9" });
    const html = readFileSync(join(p.dir, "mixed", "worker-orcd-report.html"), "utf8");
    expect(html).toMatch(/merged from 2 shards, which differ: the shards ran on 2 different machines/);
  }, 90_000);
});
