import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { isAlive, MARK_VAR } from "../../src/worker/processes";
import { recordWorker } from "../../src/worker/registry";
import { FixtureProject, until } from "../helpers/jest-run";
import { execed, waitFor } from "../helpers/wait";

const projects: FixtureProject[] = [];
const project = (config: Record<string, unknown> = {}) => {
  const p = new FixtureProject({
    testEnvironmentOptions: { workerOrcd: { shutdownGraceMs: 300 } },
    ...config,
  });
  projects.push(p);
  return p;
};
afterAll(() => {
  for (const p of projects) p.remove();
});

const STUBBORN = `/** @jest-environment-options {"workerOrcd": {"env": {"WORKER_ORCD_MOCK_FAULT": "ignore-sigterm"}}} */`;

/** A file whose test announces that its worker is up, then waits to be interrupted. */
const waiting = (name: string) => `${STUBBORN}
test("waits", async () => {
  await worker.health();
  require("node:fs").writeFileSync(__dirname + "/${name}.up", String(worker.pid));
  await new Promise((r) => setTimeout(r, 60000));
}, 70000);
`;

describe("no worker outlives its test file", () => {
  it("after passing, failing and timed-out tests, with a worker that ignores SIGTERM and has a child", async () => {
    const p = project();
    p.write(
      "pass.test.js",
      `${STUBBORN}\ntest("passes", async () => { expect(await worker.health()).toBeHealthy(); });`,
    );
    p.write(
      "fail.test.js",
      `${STUBBORN}\ntest("fails", async () => { await worker.health(); throw new Error("boom"); });`,
    );
    p.write(
      "slow.test.js",
      `${STUBBORN}\ntest("times out", async () => { await worker.health(); await new Promise((r) => setTimeout(r, 5000)); }, 300);`,
    );
    const result = await p.run(["--maxWorkers=2"]);
    expect(result.out).toMatch(/Tests: +2 failed, 1 passed, 3 total/);
    expect(result.out).toMatch(/Exceeded timeout of 300 ms/);
    expect(await p.survivors(3000)).toEqual([]);
  });

  it.each([["SIGINT"], ["SIGKILL"]] as const)(
    "when the Jest run is killed with %s part-way",
    async (signal) => {
      const p = project();
      p.write("one.test.js", waiting("one"));
      p.write("two.test.js", waiting("two"));
      let jestPid = 0;
      const run = p.run(["--maxWorkers=2"], {}, (child) => {
        jestPid = child.pid!;
      });
      await until(() => existsSync(join(p.dir, "one.up")) && existsSync(join(p.dir, "two.up")));
      const workers = p.marked().filter((pid) => pid !== jestPid);
      expect(workers.length).toBeGreaterThanOrEqual(4); // Jest workers, worker processes, their children
      const workerGroups = ["one", "two"].map((n) => Number(readFileSync(join(p.dir, `${n}.up`), "utf8")));
      expect(workerGroups.every((g) => isAlive(-g))).toBe(true);
      process.kill(jestPid, signal);
      await run;
      // The worker groups (workers and their children) end within the watchdog's poll and grace: well under
      // a second alone, but on a loaded 2-core machine the lingering Jest worker may reap them late.
      await waitFor(
        () => workerGroups.every((g) => !isAlive(-g)),
        "the killed run's worker groups to end",
        30_000,
      );
      // Jest's own forked workers may linger after a killed run (Jest's behaviour); clear them.
      await p.survivors(0);
    },
  );

  it("the next global setup ends a worker that an earlier, killed run recorded and left alive", async () => {
    const p = project();
    const registry = join(p.dir, "registry");
    const mark = randomUUID();
    const orphan = spawn("sleep", ["60"], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, [MARK_VAR]: mark },
    });
    await execed(orphan.pid!, "sleep 60");
    const command = spawnSync("cat", [`/proc/${orphan.pid}/cmdline`])
      .stdout.toString()
      .replace(/\0/g, " ")
      .trim();
    process.env.WORKER_ORCD_JEST_REGISTRY = registry;
    try {
      recordWorker({
        pid: orphan.pid!,
        ownerPid: 999_999_999,
        command,
        startedAt: new Date().toISOString(),
        mark,
      });
    } finally {
      delete process.env.WORKER_ORCD_JEST_REGISTRY;
    }
    p.write("x.test.js", `test("x", () => {});`);
    const result = await p.run([], { WORKER_ORCD_JEST_REGISTRY: registry });
    expect(result.out).toContain(`ended 1 worker(s) left alive by an earlier run (pids ${orphan.pid})`);
    await until(() => !isAlive(orphan.pid!), 30_000);
  });
});
