import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { Spare } from "../../src/scope/spare";
import { isAlive } from "../../src/worker/processes";
import { WorkerProcess } from "../../src/worker/worker-process";
import { type FixtureProject, NAME_ORDER_SEQUENCER, scopeProjects, until } from "../helpers/jest-run";
import { mockOptions } from "../helpers/mock";

const { project, remove } = scopeProjects();
afterAll(remove);

/** A file whose test records the worker that served it, and which leaves a mark in that worker (a job it ran). */
const recording = (name: string, docblock = "") => `${docblock}
test("${name}", async () => {
  expect(await worker.health()).toBeHealthy();
  const fs = require("node:fs");
  fs.writeFileSync(__dirname + "/${name}.pid", String(worker.pid));
  fs.writeFileSync(__dirname + "/${name}.logs", String(worker.logTail(1000).filter((l) => String(l).includes("job-of-")).length));
  await worker.execute({ job_id: "job-of-${name}", prompt: "x", max_tokens: 2 });
});
`;
const pidOf = (p: FixtureProject, name: string) => Number(readFileSync(join(p.dir, `${name}.pid`), "utf8"));

describe('a spare mock started ahead, scope "file"', () => {
  it("in band, every file still gets a fresh worker of its own (never one another file used), the first and the next ones started ahead, none left unused, nothing left running", async () => {
    const p = project({}, { testSequencer: "<rootDir>/sequencer.js" });
    p.write("sequencer.js", NAME_ORDER_SEQUENCER);
    const names = ["a", "b", "c", "d", "e"];
    for (const n of names) p.write(`${n}.test.js`, recording(n));
    const result = await p.run(["--runInBand"]);
    expect(result.code).toBe(0);
    const pids = names.map((n) => pidOf(p, n));
    expect(new Set(pids).size).toBe(names.length);
    // No worker had served a job before its file's own (a spare is fresh, not handed on).
    for (const n of names) expect(readFileSync(join(p.dir, `${n}.logs`), "utf8")).toBe("0");
    expect(result.out).toMatch(
      /scope "file": 5 worker\(s\) started for 5 file\(s\) \(5 got one started ahead\)/,
    );
    expect(result.out).toMatch(/a\.test\.js +mock +ahead /);
    // Their spawn-to-ready includes time Jest kept this process busy: no start-up statistic is made of them.
    expect(result.out).toMatch(/total: 5 file\(s\) +5 started +- /);
    for (const pid of pids) expect(isAlive(-pid)).toBe(false); // each stopped at its file's teardown
    expect(await p.survivors(3000)).toEqual([]);
  }, 60_000);

  it("a file whose options differ does not take the spare (it is stopped); prestart: false starts none", async () => {
    const p = project({}, { testSequencer: "<rootDir>/sequencer.js" });
    p.write("sequencer.js", NAME_ORDER_SEQUENCER);
    p.write("a.test.js", recording("a"));
    p.write(
      "b.test.js",
      recording("b", `/** @jest-environment-options {"workerOrcd": {"env": {"OTHER": "1"}}} */`),
    );
    p.write("c.test.js", recording("c"));
    const result = await p.run(["--runInBand"]);
    expect(result.code).toBe(0);
    // a takes the run's first spare and begins one for b; b's options differ, so b refuses it (stopped) and starts
    // its own, then begins one with its options for c; c refuses that one too; c is the last file: no spare.
    expect(result.out).toMatch(
      /5 worker\(s\) started for 3 file\(s\) \(1 got one started ahead; 2 spare\(s\) started ahead were not needed and were stopped\)/,
    );
    expect(result.out).toMatch(/b\.test\.js +mock +[\d.]+ ms\*? +1 /);
    expect(await p.survivors(3000)).toEqual([]);

    const q = project({ prestart: false });
    q.write("a.test.js", recording("a"));
    q.write("b.test.js", recording("b"));
    const none = await q.run(["--runInBand"]);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/scope "file": 2 worker\(s\) started for 2 file\(s\)\n/);
    expect(none.out).not.toMatch(/mock +ahead |started ahead/);
    expect(await q.survivors(3000)).toEqual([]);
  }, 90_000);

  it("a spare that cannot start fails the file that takes it at once, with the start's error, instead of a second wait for a fresh one", async () => {
    const p = project({ startupTimeoutMs: 5000, mockArgs: ["--fault", "never-ready"] });
    p.write("a.test.js", recording("a"));
    p.write("b.test.js", recording("b"));
    const t0 = performance.now();
    const result = await p.run(["--runInBand"]);
    const took = performance.now() - t0;
    expect(result.code).toBe(1);
    expect(
      result.out.match(
        /could not start the mock worker for [ab]\.test\.js: worker was not ready within 5000 ms/g,
      ),
    ).toHaveLength(2);
    // Each file waiting for its own start takes two whole timeouts, 10 s at the very least: the spares overlap them.
    expect(took).toBeLessThan(10_000);
    expect(await p.survivors(3000)).toEqual([]);
  }, 60_000);

  it("runs at --maxWorkers=2 end without Jest's 'failed to exit gracefully', in both scopes, and leave nothing running", async () => {
    for (const scope of ["file", "process"]) {
      const p = project({ scope });
      for (const n of ["a", "b", "c", "d", "e", "f"]) p.write(`${n}.test.js`, recording(n));
      const result = await p.run(["--maxWorkers=2"]);
      expect(result.code).toBe(0);
      expect(result.out).not.toMatch(/failed to exit gracefully/);
      for (const n of ["a", "b", "c", "d", "e", "f"]) await until(() => !isAlive(-pidOf(p, n)), 30_000);
      expect(await p.survivors(3000)).toEqual([]);
    }
  }, 90_000);

  it.each([["SIGINT"], ["SIGKILL"]] as const)(
    "a spare held while the in-band Jest run is killed with %s ends with it",
    async (signal) => {
      const p = project({}, { testSequencer: "<rootDir>/sequencer.js" });
      p.write("sequencer.js", NAME_ORDER_SEQUENCER);
      p.write("a.test.js", recording("a"));
      p.write(
        "b.test.js",
        `test("waits", async () => {
  await worker.health();
  require("node:fs").writeFileSync(__dirname + "/b.pid", String(worker.pid));
  await new Promise((r) => setTimeout(r, 60000));
}, 70000);`,
      );
      p.write("c.test.js", recording("c"));
      let jestPid = 0;
      const run = p.run(["--runInBand"], {}, (child) => {
        jestPid = child.pid!;
      });
      await until(() => existsSync(join(p.dir, "b.pid")));
      const mocks = () =>
        p.marked().filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("mock/cli.js");
          } catch {
            return false;
          }
        });
      await until(() => mocks().length >= 2, 30_000); // b's spare (for c) is up: an event, not a pause
      expect(mocks()).toHaveLength(2); // b's worker and the spare for c
      process.kill(jestPid, signal);
      await run;
      expect(await p.survivors(5000)).toEqual([]);
      expect(readdirSync(p.dir).filter((f) => f.endsWith(".pid"))).toEqual(["a.pid", "b.pid"]);
      // The next run's global setup clears the killed run's records, and finds none of its workers alive.
      const next = await p.run(["--runInBand", "--testPathPatterns", "a.test.js"]);
      expect(next.code).toBe(0);
      expect(next.out).not.toMatch(/left alive by an earlier run/);
    },
    60_000,
  );
});

/** Live processes whose environment carries `WORKER_ORCD_TEST_TAG=<tag>`. */
function tagged(tag: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, "latin1").includes(`WORKER_ORCD_TEST_TAG=${tag}\0`))
        continue;
      if (!/\) Z /.test(readFileSync(`/proc/${entry}/stat`, "latin1"))) found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

describe("Spare and an abandoned start (real processes)", () => {
  it("hands its worker to a taker with the same options, once; one with other options gets nothing and the spare is stopped", async () => {
    const spare = new Spare();
    await spare.prepare(mockOptions({ env: { WORKER_ORCD_TEST_TAG: "first" } }));
    expect(tagged("first")).toHaveLength(1); // spawned by the time prepare resolves
    const taken = spare.take(mockOptions({ env: { WORKER_ORCD_TEST_TAG: "first" } }));
    expect(taken).toBeDefined();
    const worker = (await taken!.ready)!;
    expect(worker).toBeInstanceOf(WorkerProcess);
    expect((await worker.client.health()).status).toBe("healthy");
    expect(spare.take(mockOptions({ env: { WORKER_ORCD_TEST_TAG: "first" } }))).toBeUndefined();
    await worker.stop();
    expect(tagged("first")).toEqual([]);

    await spare.prepare(mockOptions({ env: { WORKER_ORCD_TEST_TAG: "second" } }));
    expect(tagged("second")).toHaveLength(1);
    expect(spare.take(mockOptions({ env: { WORKER_ORCD_TEST_TAG: "other" } }))).toBeUndefined();
    await spare.stop();
    expect(tagged("second")).toEqual([]);
  }, 30_000);

  it("stopping a spare that is still starting abandons its start at once (it is not awaited until ready)", async () => {
    const spare = new Spare();
    await spare.prepare(
      mockOptions({ extraArgs: ["--load-time-ms", "10000"], env: { WORKER_ORCD_TEST_TAG: "slow" } }),
    );
    const started = performance.now();
    await spare.stop();
    expect(performance.now() - started).toBeLessThan(5_000); // not the 10 s load
    expect(tagged("slow")).toEqual([]);
  }, 30_000);

  it("a start abandoned through its signal stops the process and rejects, naming why", async () => {
    const abort = new AbortController();
    const start = WorkerProcess.start(
      mockOptions({
        extraArgs: ["--load-time-ms", "10000"],
        env: { WORKER_ORCD_TEST_TAG: "abandoned" },
        signal: abort.signal,
        onSpawn: () => setTimeout(() => abort.abort(), 100),
      }),
    );
    await expect(start).rejects.toThrow(/the start was abandoned after \d+ ms \(no longer wanted\)/);
    expect(tagged("abandoned")).toEqual([]);
    await expect(WorkerProcess.start(mockOptions({ signal: AbortSignal.abort() }))).rejects.toThrow(
      /abandoned before it was spawned/,
    );
  }, 30_000);
});
