import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { sweep } from "../../../src/scope/pool/janitor";
import { WorkerPool } from "../../../src/scope/pool/pool";
import { lockHolder } from "../../../src/scope/pool/store";
import { workerRows, workersMain } from "../../../src/scope/pool/workers-cli";
import { isAlive } from "../../../src/worker/processes";
import { WorkerProcess, type WorkerStartOptions } from "../../../src/worker/worker-process";
import { mockOptions } from "../../helpers/mock";
import { sink } from "../../helpers/sink";
import { waitFor } from "../../helpers/wait";

const DIST = join(__dirname, "..", "..", "..", "dist");
const dir = mkdtempSync(join(tmpdir(), "wojest-pool-unit-"));
afterAll(async () => {
  const out = sink();
  await workersMain(["stop", "--all", "--force"], out.stream, out.stream, dir);
  // The janitor exits once the pool is empty.
  await waitFor(() => {
    const janitor = lockHolder(join(dir, "janitor.pid"));
    return !janitor || !isAlive(janitor.pid);
  }, "the pool's janitor to exit");
  rmSync(dir, { recursive: true, force: true });
});

const start = (o: WorkerStartOptions) => (extra: Partial<WorkerStartOptions>) =>
  WorkerProcess.start({ ...o, ...extra });

/** An earlier run, as a process of its own: it takes a worker for the pool and hands it back as it exits. */
function earlierRun(): number {
  const script = `
const { WorkerPool } = require(${JSON.stringify(join(DIST, "scope", "pool", "pool.js"))});
const { WorkerProcess } = require(${JSON.stringify(join(DIST, "worker", "worker-process.js"))});
const options = ${JSON.stringify(mockOptions())};
const pool = new WorkerPool(${JSON.stringify(dir)});
pool.acquire(options, { idleMs: 60000 }, (extra) => WorkerProcess.start({ ...options, ...extra })).then(({ worker }) => {
  process.stdout.write(String(worker.pid));
  process.on("exit", () => pool.keep(worker));
  worker.holdProcessOpen(false);
});`;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
  return Number(run.stdout);
}

describe("the reuse pool", () => {
  it("a worker an earlier run kept is taken by the next; one of another identity is not, and the pool says why", async () => {
    const pid = earlierRun();
    expect(workerRows(dir).map((r) => [r.pid, r.state])).toEqual([[pid, "idle"]]);
    const nextRun = new WorkerPool(dir);
    const again = await nextRun.acquire(mockOptions(), { idleMs: 60_000 }, start(mockOptions()));
    expect(again).toMatchObject({ pooled: true });
    expect(again.worker.pid).toBe(pid);
    expect(workerRows(dir).map((r) => [r.pid, r.state])).toEqual([[pid, "in use"]]);

    const other = await nextRun.acquire(
      mockOptions({ env: { A: "1" } }),
      { idleMs: 60_000 },
      start(mockOptions({ env: { A: "1" } })),
    );
    expect(other.pooled).toBe(false);
    expect(other.why).toBe("the environment changed");
    nextRun.forget(other.worker);
    await other.worker.stop();
    nextRun.forget(again.worker);
    await again.worker.stop();
  }, 60_000);

  it("a worker whose lease watchdog has begun to end it (its run's Jest process died) is not handed back idle", async () => {
    // The run: a Jest worker (here `held`) forked by a Jest process (`parent`); the worker ignores SIGTERM, so it
    // stays healthy through its grace and a later run could take it, then lose it to the SIGKILL mid-job.
    const out = join(dir, "watchdog-race.txt");
    const script = `
const { readFileSync, writeFileSync } = require("node:fs");
const { WorkerPool } = require(${JSON.stringify(join(DIST, "scope", "pool", "pool.js"))});
const { WorkerProcess } = require(${JSON.stringify(join(DIST, "worker", "worker-process.js"))});
const options = ${JSON.stringify(mockOptions({ shutdownGraceMs: 4000, env: { WORKER_ORCD_MOCK_FAULT: "ignore-sigterm" } }))};
const pool = new WorkerPool(${JSON.stringify(dir)});
pool.acquire(options, { idleMs: 60000 }, (extra) => WorkerProcess.start({ ...options, ...extra })).then(async ({ worker }) => {
  writeFileSync(${JSON.stringify(`${out}.pid`)}, String(worker.pid));
  const { stdout, stderr } = worker.startOptions.outputFiles;
  const said = () => readFileSync(stdout, "utf8") + readFileSync(stderr, "utf8");
  while (!/ignoring SIGTERM/.test(said())) await new Promise((r) => setTimeout(r, 20));
  const kept = pool.keep(worker);
  if (!kept) worker.terminateNow(); // as the scope does with a worker the pool did not take back
  writeFileSync(${JSON.stringify(out)}, String(kept));
  process.exit(0);
});`;
    writeFileSync(`${out}.js`, script);
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `require("node:child_process").fork(${JSON.stringify(`${out}.js`)}); setInterval(() => {}, 1000);`,
      ],
      { stdio: "ignore" },
    );
    let pid = 0;
    try {
      pid = Number(
        await waitFor(
          () => existsSync(`${out}.pid`) && readFileSync(`${out}.pid`, "utf8"),
          "the run's worker to start",
          30_000,
        ),
      );
    } finally {
      // The run's Jest process dies (a Ctrl-C, a kill) while its Jest worker is about to hand the worker back.
      parent.kill("SIGKILL");
    }
    const kept = await waitFor(
      () => existsSync(out) && readFileSync(out, "utf8"),
      "the run to hand its worker back",
      30_000,
    );
    expect(kept).toBe("false");
    expect(workerRows(dir).filter((r) => r.pid === pid)).toEqual([]);
    await waitFor(() => !isAlive(pid), "the worker to be ended by its watchdog", 30_000);
  }, 60_000);

  it("the janitor ends no worker that another run holds, whatever stale lease of an earlier holder it finds", async () => {
    const pool = new WorkerPool(dir);
    const { worker } = await pool.acquire(mockOptions(), { idleMs: 60_000 }, start(mockOptions()));
    const leased = readdirSync(join(dir, "leased")).find((n) =>
      n.startsWith(
        `${(worker as WorkerProcess).startOptions.outputFiles!.stdout.split("/").pop()!.slice(0, 8)}@`,
      ),
    )!;
    const gone = spawnSync("true").pid!;
    // An earlier holder's lease, left over (it kept the worker as it died, and this run took it since).
    copyFileSync(join(dir, "leased", leased), join(dir, "leased", `${leased.slice(0, 8)}@${gone}-x.json`));
    await sweep(dir);
    expect(isAlive(worker.pid)).toBe(true);
    expect(readdirSync(join(dir, "leased")).filter((n) => n.startsWith(leased.slice(0, 8)))).toEqual([
      leased,
    ]);
    expect(existsSync((worker as WorkerProcess).startOptions.outputFiles!.stdout)).toBe(true);
    pool.forget(worker);
    await worker.stop();
  }, 60_000);
});
