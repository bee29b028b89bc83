import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { isAlive } from "../../src/worker/processes";
import { type FixtureProject, NAME_ORDER_SEQUENCER, scopeProjects, sleep, until } from "../helpers/jest-run";

const { project, remove } = scopeProjects({ scope: "process" });
afterAll(remove);

/** A file whose test records which worker process served it. */
const recording = (name: string, docblock = "", body = "") => `${docblock}
test("${name}", async () => {
  expect(await worker.health()).toBeHealthy();
  require("node:fs").writeFileSync(__dirname + "/${name}.pid", String(worker.pid));
  ${body}
});
`;
const pids = (p: FixtureProject, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, Number(readFileSync(join(p.dir, `${n}.pid`), "utf8"))]));

describe('scope "process"', () => {
  it("a Jest worker process keeps its worker across files: 6 files at --maxWorkers=2 start at most 2, and nothing outlives the run (a failing file included)", async () => {
    const p = project();
    const names = ["f1", "f2", "f3", "f4", "f5", "f6"];
    for (const n of names) p.write(`${n}.test.js`, recording(n, "", n === "f3" ? "expect(1).toBe(2);" : ""));
    const result = await p.run(["--maxWorkers=2"]);
    expect(result.code).toBe(1); // f3 fails on purpose
    expect(result.out).toMatch(/Tests: +1 failed, 5 passed, 6 total/);
    const used = new Set(Object.values(pids(p, names)));
    expect(used.size).toBeLessThanOrEqual(2);
    expect(result.out).toContain("scope: process (one worker per Jest worker process");
    expect(result.out).toMatch(
      new RegExp(
        `scope "process": ${used.size} worker\\(s\\) started for 6 file\\(s\\) \\(${6 - used.size} took over`,
      ),
    );
    for (const pid of used) await until(() => !isAlive(-pid), 30_000);
    expect(await p.survivors(3000)).toEqual([]);
  }, 60_000);

  it("hands over only a healthy, idle worker started with the same options; a crashed, exited, busy or differently configured one is replaced", async () => {
    const p = project({ scope: "process" }, { testSequencer: "<rootDir>/sequencer.js" });
    p.write("sequencer.js", NAME_ORDER_SEQUENCER);
    const otherEnv = `/** @jest-environment-options {"workerOrcd": {"env": {"SOMETHING": "else"}}} */`;
    const ownWorker = `/** @jest-environment-options {"workerOrcd": {"scope": "file"}} */`;
    p.write("a.test.js", recording("a"));
    p.write("b.test.js", recording("b")); // takes over a's
    p.write("c.test.js", recording("c", otherEnv)); // other options: fresh
    p.write("d.test.js", recording("d")); // c's differs from d's options: fresh
    p.write("e.test.js", `${recording("e")}\nafterAll(() => process.kill(worker.pid, "SIGKILL"));`); // crashes after its tests
    p.write("f.test.js", recording("f")); // e's is dead: fresh
    p.write("g.test.js", recording("g", "", "await worker.shutdown();")); // exits
    p.write("h.test.js", recording("h")); // fresh
    p.write("i.test.js", recording("i", ownWorker)); // its own worker, stopped at its end
    p.write("j.test.js", recording("j")); // fresh (i's was its own; h's kept one was stopped for i)
    p.write(
      "k.test.js",
      recording(
        "k",
        "",
        `void worker.execute({ job_id: "left", prompt: "x", max_tokens: 2048 }).catch(() => {});`,
      ),
    ); // leaves a job running
    p.write("l.test.js", recording("l")); // never gets a worker with a job: fresh
    p.write("m.test.js", recording("m")); // takes over l's
    const names = "abcdefghijklm".split("");
    const result = await p.run(["--runInBand"], { WORKER_ORCD_MOCK_TOKEN_INTERVAL_MS: "5" });
    expect(result.out).toMatch(/Tests: +13 passed, 13 total/);
    const got = pids(p, names);
    const same = (x: string, y: string) => got[x] === got[y];
    expect([same("a", "b"), same("b", "c"), same("c", "d"), same("d", "e")]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect([same("e", "f"), same("f", "g"), same("g", "h"), same("h", "i"), same("i", "j")]).toEqual([
      false,
      true,
      false,
      false,
      false,
    ]);
    expect([same("j", "k"), same("k", "l"), same("l", "m")]).toEqual([true, false, true]);
    expect(result.out).toMatch(
      /scope "process" and "file": 8 worker\(s\) started for 13 file\(s\) \(5 took over/,
    );
    for (const pid of new Set(Object.values(got))) await until(() => !isAlive(-pid), 30_000);
    expect(await p.survivors(3000)).toEqual([]);
  }, 90_000);

  it.each([["SIGINT"], ["SIGKILL"]] as const)(
    "a kept idle worker and a busy one both end when the Jest run is killed with %s",
    async (signal) => {
      const p = project();
      p.write("quick.test.js", recording("quick"));
      p.write(
        "slow.test.js",
        `test("waits", async () => {
  await worker.health();
  require("node:fs").writeFileSync(__dirname + "/slow.pid", String(worker.pid));
  await new Promise((r) => setTimeout(r, 60000));
}, 70000);`,
      );
      let jestPid = 0;
      const run = p.run(["--maxWorkers=2"], {}, (child) => {
        jestPid = child.pid!;
      });
      await until(() => existsSync(join(p.dir, "quick.pid")) && existsSync(join(p.dir, "slow.pid")));
      await sleep(500); // quick's file ends: its worker is kept, idle
      const groups = pids(p, ["quick", "slow"]);
      expect(groups.quick).not.toBe(groups.slow);
      expect(isAlive(-groups.quick) && isAlive(-groups.slow)).toBe(true);
      process.kill(jestPid, signal);
      await run;
      await until(() => !isAlive(-groups.quick) && !isAlive(-groups.slow), 30_000);
      await p.survivors(0); // Jest's own forked workers may linger after a killed run (Jest's behaviour)
      expect(readdirSync(p.dir).filter((f) => f.endsWith(".pid")).length).toBe(2);
    },
    60_000,
  );

  it("WORKER_ORCD_SCOPE sets the scope; a bad value is a configuration error naming the variable", async () => {
    const p = project({});
    p.write("x.test.js", recording("x"));
    p.write("y.test.js", recording("y"));
    const ok = await p.run(["--runInBand"], { WORKER_ORCD_SCOPE: "process" });
    expect(ok.out).toMatch(/scope "process": 1 worker\(s\) started for 2 file\(s\)/);
    const bad = await p.run([], { WORKER_ORCD_SCOPE: "run" });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('WORKER_ORCD_SCOPE must be "file" or "process", got "run"');
    expect(await p.survivors(3000)).toEqual([]);
  }, 60_000);
});
