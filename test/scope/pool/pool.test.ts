import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
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
});
