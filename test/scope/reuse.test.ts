import { spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { buildGgufHeader } from "../../src/checks/gguf";
import { lockHolder } from "../../src/scope/pool/store";
import { workerRows, workersMain } from "../../src/scope/pool/workers-cli";
import { MOCK_ENTRY } from "../../src/worker/command";
import { isAlive } from "../../src/worker/processes";
import { type FixtureProject, scopeProjects, sleep, until } from "../helpers/jest-run";

// Keep a worker warm across runs (reuse). Every case runs Jest as a child against a pool folder of
// its own, with the bundled mock or a stand-in binary that loads slowly; nothing of a pool is left behind.

const { project, remove, settle } = scopeProjects();
const pools: string[] = [];
const newPool = () => {
  const dir = mkdtempSync(join(tmpdir(), "wojest-pool-"));
  pools.push(dir);
  return dir;
};
/**
 * Stops everything the pools of this file still hold. A Jest worker process may still be exiting after its run
 * returned, and hand its kept worker to the pool as it goes: the pools are emptied once no process of the
 * test's runs is left, then removed.
 */
async function emptyPools(): Promise<void> {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const dirs = pools.splice(0);
  for (const dir of dirs) await workersMain(["stop", "--all", "--force"], sink, sink, dir);
  await settle();
  for (const dir of dirs) {
    await workersMain(["stop", "--all", "--force"], sink, sink, dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
afterEach(emptyPools);
afterAll(remove);

/** A file that notes the worker it got (pid, kind) and the Jest process it ran in. */
const NOTING = (name: string, holdMs = 0) => `const fs = require("node:fs");
test("${name}", async () => {
  const events = await worker.execute({ job_id: "${name}", prompt: "hi", max_tokens: 3 });
  expect(events).toCompleteSuccessfully();
  fs.appendFileSync(__dirname + "/seen", JSON.stringify({ file: "${name}", pid: worker.pid, jest: process.pid }) + "\\n");
  await new Promise((r) => setTimeout(r, ${holdMs}));
});
`;
const seen = (p: FixtureProject) =>
  readFileSync(join(p.dir, "seen"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { file: string; pid: number; jest: number });
const clearSeen = (p: FixtureProject) => rmSync(join(p.dir, "seen"), { force: true });

/** A stand-in for a real worker binary: the mock behind a script (so binary and model are files with a size and mtime). */
function realStandIn(p: FixtureProject): void {
  p.write("m.gguf", buildGgufHeader("qwen2"));
  p.write("bin/worker", `#!/bin/sh\nexec "${process.execPath}" "${MOCK_ENTRY}" "$@"\n`, 0o755);
}

describe("reuse: warm workers across runs", () => {
  it("leaves the run's workers warm; the next run takes them (0 starts), the reaper and watchdogs spare them; workers lists and stops them", async () => {
    const pool = newPool();
    const p = project({ reuse: true, mode: "mock", mockArgs: ["--load-time-ms", "400"] });
    // Each file holds its worker a little, so that both Jest workers get files in each run.
    for (const n of ["a", "b", "c", "d"]) p.write(`${n}.test.js`, NOTING(n, 300));
    const env = { WORKER_ORCD_JEST_POOL: pool };
    const first = await p.run(["--maxWorkers=2"], env);
    expect(first.out).toMatch(/Tests: +4 passed, 4 total/);
    expect(first.out).toMatch(/reuse: workers are left warm in the pool .* it holds 0 idle and 0 in use now/);
    expect(first.out).toMatch(/scope "process": 2 worker\(s\) started for 4 file\(s\)/);
    const firstPids = [...new Set(seen(p).map((s) => s.pid))].sort();
    expect(firstPids).toHaveLength(2);
    // The run and its Jest processes are gone; the workers live on, idle in the pool (their watchdogs let them be).
    await sleep(600);
    for (const pid of firstPids) expect(isAlive(pid)).toBe(true);
    expect(
      workerRows(pool)
        .map((r) => [r.pid, r.state])
        .sort(),
    ).toEqual(firstPids.map((pid) => [pid, "idle"]));

    clearSeen(p);
    const second = await p.run(["--maxWorkers=2"], env);
    expect(second.out).toMatch(/Tests: +4 passed, 4 total/);
    expect(second.out).toMatch(/it holds 2 idle and 0 in use now/);
    // Each Jest process that ran files took one pooled worker. How many ran files is Jest's choice: on a loaded
    // machine the second may start after the first has run them all.
    const takers = new Set(seen(p).map((s) => s.jest)).size;
    expect(second.out).toMatch(
      new RegExp(
        `0 worker\\(s\\) started for 4 file\\(s\\) \\(.*${takers} took a warm worker from the reuse pool`,
      ),
    );
    expect(second.out).not.toMatch(/ended \d+ worker\(s\) left alive by an earlier run/);
    const secondPids = [...new Set(seen(p).map((s) => s.pid))].sort();
    expect(secondPids).toHaveLength(takers);
    for (const pid of secondPids) expect(firstPids).toContain(pid);

    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
    expect(await workersMain([], sink, sink, pool)).toBe(0);
    expect(out.join("")).toMatch(/^ID +STATE +PID +PORT +AGE +IDLE +EXPIRES +RSS +MODE +DEVICE +USES +MODEL/);
    // A worker taken again was used by two runs; one the second run did not need, by one.
    for (const pid of firstPids)
      expect(out.join("")).toMatch(
        new RegExp(`idle +${pid} .* MiB +mock +0 +${secondPids.includes(pid) ? 2 : 1} +mock`),
      );
    out.length = 0;
    expect(await workersMain(["stop", "--all"], sink, sink, pool)).toBe(0);
    expect(out.join("")).toMatch(/stopped \w{8} \(pid \d+\)\nstopped \w{8} \(pid \d+\)/);
    for (const pid of firstPids) expect(isAlive(pid)).toBe(false);
    expect(workerRows(pool)).toEqual([]);
    expect(readdirSync(join(pool, "logs"))).toEqual([]);
    expect(await p.survivors()).toEqual([]);
  }, 90_000);

  it("takes a pooled worker only when its identity is the same, and says what changed (model mtime, arguments, environment)", async () => {
    const pool = newPool();
    const options = { reuse: true, mode: "real", binary: "./bin/worker", model: "./m.gguf" };
    const p = project(options);
    realStandIn(p);
    p.write("a.test.js", NOTING("a"));
    const env = { WORKER_ORCD_JEST_POOL: pool };
    expect((await p.run(["-i"], env)).out).toMatch(/Tests: +1 passed/);
    const [firstPid] = seen(p).map((s) => s.pid);

    // Same model, touched: a pooled worker of the old file is not taken, and (a real worker, same GPU) is stopped.
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(p.dir, "m.gguf"), later, later);
    clearSeen(p);
    const touched = await p.run(["-i"], env);
    expect(touched.out).toMatch(/Tests: +1 passed/);
    expect(touched.out).toMatch(
      /not reused: the model changed \(modification time\); the pooled worker was stopped to free GPU 0; a new worker was started/,
    );
    const [secondPid] = seen(p).map((s) => s.pid);
    expect(secondPid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);

    // Other arguments, another environment: each named.
    writeFileSync(
      join(p.dir, "jest.config.js"),
      `module.exports = ${JSON.stringify({ rootDir: p.dir, preset: join(__dirname, "..", "..", "jest-preset.js"), testEnvironmentOptions: { workerOrcd: { ...options, shutdownGraceMs: 300, realArgs: ["--token-interval-ms", "7"], env: { A: "1" } } } })};\n`,
    );
    const changed = await p.run(["-i"], env);
    expect(changed.out).toMatch(/not reused: the arguments changed; the environment changed/);
    await emptyPools();
    expect(await p.survivors()).toEqual([]);
  }, 90_000);

  it("a killed run's lease dies with it: the worker it held is ended (never pooled), and the next run starts afresh", async () => {
    const pool = newPool();
    const p = project({ reuse: true, mode: "mock" });
    p.write("a.test.js", NOTING("a"));
    const env = { WORKER_ORCD_JEST_POOL: pool };
    await p.run(["-i"], env);
    const [pooledPid] = seen(p).map((s) => s.pid);
    // A run takes the pooled worker, then is killed (SIGKILL: no teardown, no exit hook) while its test runs.
    clearSeen(p);
    p.write("a.test.js", NOTING("a", 30_000));
    const killed = await p.run(["-i"], env, (child) => {
      void until(() => {
        try {
          return readFileSync(join(p.dir, "seen"), "utf8").length > 0;
        } catch {
          return false;
        }
      }).then(() => child.kill("SIGKILL"));
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(seen(p)[0].pid).toBe(pooledPid); // it had taken the pooled one
    await until(() => !isAlive(pooledPid), 30_000); // its lease watchdog ended it
    await until(() => workerRows(pool).length === 0, 30_000); // and the janitor dropped its lease
    p.write("a.test.js", NOTING("a"));
    clearSeen(p);
    const next = await p.run(["-i"], env);
    expect(next.out).toMatch(/Tests: +1 passed/);
    expect(next.out).toMatch(/1 worker\(s\) started for 1 file\(s\)/);
    expect(workerRows(pool).map((r) => [r.pid, r.state])).toEqual([[seen(p)[0].pid, "idle"]]);
    await emptyPools();
    expect(await p.survivors()).toEqual([]);
  }, 90_000);

  it("a record whose pid now belongs to another process is discarded, and that process is left alone", async () => {
    const pool = newPool();
    const p = project({ reuse: true, mode: "mock" });
    p.write("a.test.js", NOTING("a"));
    const env = { WORKER_ORCD_JEST_POOL: pool };
    await p.run(["-i"], env);
    const [pooledPid] = seen(p).map((s) => s.pid);
    // The worker dies; another process comes to hold the pid its record names (simulated: the record is pointed
    // at a live stranger, whose start stamp differs).
    const stranger = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      // The pool's janitor would drop the record within a second: stop it, so that the next run's own check is the one tested.
      await until(() => lockHolder(join(pool, "janitor.pid")) !== undefined);
      process.kill(lockHolder(join(pool, "janitor.pid"))!.pid, "SIGKILL");
      process.kill(pooledPid, "SIGKILL");
      await until(() => !isAlive(pooledPid));
      const [file] = readdirSync(join(pool, "idle"));
      const record = JSON.parse(readFileSync(join(pool, "idle", file), "utf8"));
      writeFileSync(join(pool, "idle", file), JSON.stringify({ ...record, pid: stranger.pid }));
      clearSeen(p);
      const next = await p.run(["-i"], env);
      expect(next.out).toMatch(/Tests: +1 passed/);
      expect(next.out).toMatch(/1 worker\(s\) started for 1 file\(s\)/);
      expect(isAlive(stranger.pid!)).toBe(true);
      expect(workerRows(pool).map((r) => r.pid)).toEqual([seen(p)[0].pid]);
    } finally {
      stranger.kill("SIGKILL");
    }
  }, 90_000);

  it("two runs at once never share a worker; both take pooled ones when the pool holds enough", async () => {
    const pool = newPool();
    const p = project({ reuse: true, mode: "mock", mockArgs: ["--load-time-ms", "300"] });
    for (const n of ["a", "b"]) p.write(`${n}.test.js`, NOTING(n, 500));
    const env = { WORKER_ORCD_JEST_POOL: pool };
    await p.run(["--maxWorkers=2"], env);
    const warm = [...new Set(seen(p).map((s) => s.pid))].sort();
    expect(warm).toHaveLength(2);
    clearSeen(p);
    const [one, two] = await Promise.all([p.run(["-i", "a.test.js"], env), p.run(["-i", "b.test.js"], env)]);
    for (const r of [one, two]) {
      expect(r.out).toMatch(/Tests: +1 passed/);
      expect(r.out).toMatch(
        /0 worker\(s\) started for 1 file\(s\) \(1 took a warm worker from the reuse pool\)/,
      );
    }
    const used = seen(p);
    expect(used.map((s) => s.pid).sort()).toEqual(warm); // each took one, none took the same
    expect(new Set(used.map((s) => s.jest)).size).toBe(2);
  }, 90_000);

  it("two runs that miss at once each get a worker of their own (no sharing), and both end up in the pool", async () => {
    const pool = newPool();
    const p = project({ reuse: true, mode: "mock", mockArgs: ["--load-time-ms", "300"] });
    for (const n of ["a", "b"]) p.write(`${n}.test.js`, NOTING(n, 300));
    const env = { WORKER_ORCD_JEST_POOL: pool };
    const runs = await Promise.all([p.run(["-i", "a.test.js"], env), p.run(["-i", "b.test.js"], env)]);
    for (const r of runs) expect(r.out).toMatch(/Tests: +1 passed/);
    const pids = seen(p).map((s) => s.pid);
    expect(new Set(pids).size).toBe(2);
    expect(workerRows(pool).map((r) => r.state)).toEqual(["idle", "idle"]);
  }, 90_000);

  it("stops a pooled worker nobody took for reuseIdleMs, with no run following, and the janitor leaves too", async () => {
    const pool = newPool();
    const p = project({ reuse: true, mode: "mock", reuseIdleMs: 1500 });
    p.write("a.test.js", NOTING("a"));
    await p.run(["-i"], { WORKER_ORCD_JEST_POOL: pool });
    const [pid] = seen(p).map((s) => s.pid);
    expect(isAlive(pid)).toBe(true);
    await until(() => !isAlive(pid), 30_000);
    await until(() => workerRows(pool).length === 0, 30_000);
    await until(() => {
      try {
        readFileSync(join(pool, "janitor.pid"));
        return false;
      } catch {
        return true;
      }
    }, 6_000);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("a file that leaves a job running, or a file of scope file, hands nothing to the pool", async () => {
    const pool = newPool();
    // Tokens every 20 ms and no early end of sequence: the job is still streaming when its test ends.
    const p = project({
      reuse: true,
      mode: "mock",
      mockArgs: ["--token-interval-ms", "20", "--eos-after", "100000"],
    });
    const note = (file: string) =>
      `require("node:fs").appendFileSync(__dirname + "/seen", JSON.stringify({ file: "${file}", pid: worker.pid }) + "\\n");`;
    p.write(
      "left.test.js",
      `test("leaves a job running", async () => { ${note("left")} void worker.execute({ job_id: "slow", prompt: "hi", max_tokens: 500 }).catch(() => {}); await new Promise((r) => setTimeout(r, 100)); });`,
    );
    p.write(
      "own.test.js",
      `/** @jest-environment-options {"workerOrcd": {"scope": "file"}} */\ntest("isolated", async () => { ${note("own")} expect(await worker.health()).toMatchObject({ status: "healthy" }); });`,
    );
    const result = await p.run(["-i"], { WORKER_ORCD_JEST_POOL: pool });
    expect(result.out).toMatch(/Tests: +2 passed/);
    const pids = seen(p).map((s) => s.pid);
    expect(pids).toHaveLength(2);
    await until(() => pids.every((pid) => !isAlive(pid)), 30_000); // both stopped, neither pooled
    expect(workerRows(pool)).toEqual([]);
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("watch mode: a rerun after an edit takes the first run's workers (0 starts); interrupted, Jest leaves them idle in the pool", async () => {
    const pool = newPool();
    const p = project({ reuse: true, mode: "mock", mockArgs: ["--load-time-ms", "300"] });
    for (const n of ["a", "b", "c"]) p.write(`${n}.test.js`, NOTING(n, 200));
    let out = "";
    let jest: import("node:child_process").ChildProcess | undefined;
    const ended = p.run(["--watchAll", "--maxWorkers=2"], { WORKER_ORCD_JEST_POOL: pool }, (child) => {
      jest = child;
      child.stdout?.on("data", (d) => (out += d));
      child.stderr?.on("data", (d) => (out += d));
    });
    const runs = () => (out.match(/Tests: +3 passed, 3 total/g) ?? []).length;
    try {
      await until(() => runs() >= 1 && /worker\(s\) started for 3 file/.test(out), 60_000);
      const firstPids = new Set(seen(p).map((s) => s.pid));
      clearSeen(p);
      const before = out.length;
      p.write("a.test.js", `${NOTING("a", 200)}// edited\n`);
      await until(() => runs() >= 2 && /worker\(s\) started for 3 file/.test(out.slice(before)), 60_000);
      const rerun = out.slice(before);
      expect(rerun).toMatch(/scope "process": 0 worker\(s\) started for 3 file\(s\)/);
      for (const s of seen(p)) expect(firstPids.has(s.pid)).toBe(true);
    } finally {
      jest?.kill("SIGINT");
      await ended;
    }
    await until(
      () => workerRows(pool).every((r) => r.state === "idle") && workerRows(pool).length > 0,
      10_000,
    );
    for (const r of workerRows(pool)) expect(isAlive(r.pid)).toBe(true);
  });

  it("a run stopped with SIGINT while it held a pooled worker: that worker is stopped, not handed on, and the next runs' calls all succeed", async () => {
    const pool = newPool();
    const p = project({
      reuse: true,
      mode: "mock",
      mockArgs: ["--token-interval-ms", "5", "--eos-after", "0"],
    });
    // A first run leaves the worker in the pool; the second takes it from there and is stopped mid-stream.
    p.write("first.test.js", `test("warms the pool", async () => { await worker.health(); });`);
    expect((await p.run(["-i"], { WORKER_ORCD_JEST_POOL: pool })).out).toMatch(/Tests: +1 passed/);
    rmSync(join(p.dir, "first.test.js"));
    p.write(
      "a.test.js",
      `test("holds the worker when the run is stopped", async () => {
  let n = 0;
  for await (const e of worker.stream({ job_id: "held", prompt: "hi", max_tokens: 50 })) if (e.type === "token") n++;
  expect(n).toBe(50);
  require("node:fs").writeFileSync(__dirname + "/streaming", String(worker.pid));
  await new Promise((r) => setTimeout(r, 60000));
}, 70000);`,
    );
    let jest: import("node:child_process").ChildProcess | undefined;
    const stopped = p.run(["-i"], { WORKER_ORCD_JEST_POOL: pool }, (child) => {
      jest = child;
    });
    await until(() => existsSync(join(p.dir, "streaming")), 30_000);
    jest?.kill("SIGINT");
    await stopped;
    // Held by a test when its run died, the worker is not handed on (its state is unknown): it is stopped.
    const held = Number(readFileSync(join(p.dir, "streaming"), "utf8"));
    await until(() => !isAlive(held), 20_000);
    rmSync(join(p.dir, "a.test.js"));
    // At once, and again: every call of the next runs reaches the same worker and succeeds.
    p.write(
      "b.test.js",
      `test("five calls and a stream on the worker the stopped run left", async () => {
  for (const k of [1, 2, 3, 4, 5])
    expect(await worker.execute({ job_id: "b" + k, prompt: "hi", max_tokens: 3 })).toCompleteSuccessfully();
  let n = 0;
  for await (const e of worker.stream({ job_id: "s", prompt: "hi", max_tokens: 5 })) if (e.type === "token") n++;
  expect(n).toBe(5);
  require("node:fs").appendFileSync(__dirname + "/took", worker.pid + "\\n");
});`,
    );
    for (let round = 0; round < 2; round++) {
      const next = await p.run(["-i"], { WORKER_ORCD_JEST_POOL: pool });
      expect(next.out).not.toMatch(/UND_ERR_SOCKET|other side closed/);
      expect(next.out).toMatch(/Tests: +1 passed, 1 total/);
    }
    // The first of them started a fresh worker for the pool; the second took that one from it.
    const took = readFileSync(join(p.dir, "took"), "utf8").trim().split("\n");
    expect(took).toHaveLength(2);
    expect(took[0]).toBe(took[1]);
    expect(took[0]).not.toBe(String(held));
  }, 120_000);

  it("refuses reuse with url, and with scope file set for the run, naming the fix", async () => {
    const p = project({ reuse: true, url: "http://127.0.0.1:9" });
    p.write("a.test.js", `test("x", () => {});`);
    expect((await p.run(["-i"])).out).toMatch(
      /reuse .* and url .* attaches to running ones: use one of them/,
    );
    const q = project({ reuse: true, scope: "file" });
    q.write("a.test.js", `test("x", () => {});`);
    expect((await q.run(["-i"])).out).toMatch(
      /reuse keeps the workers of scope "process", but scope is "file" \(from testEnvironmentOptions.workerOrcd\)/,
    );
  }, 60_000);
});
