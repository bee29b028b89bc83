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
import { waitFor } from "../../helpers/wait";

const dir = mkdtempSync(join(tmpdir(), "wojest-pool-unit-"));
const sink = { write: () => true } as unknown as NodeJS.WritableStream;
afterAll(async () => {
  await workersMain(["stop", "--all", "--force"], sink, sink, dir);
  // The janitor exits once the pool is empty.
  await waitFor(() => {
    const janitor = lockHolder(join(dir, "janitor.pid"));
    return !janitor || !isAlive(janitor.pid);
  }, "the pool's janitor to exit");
  rmSync(dir, { recursive: true, force: true });
});

const options = mockOptions;
const start = (o: WorkerStartOptions) => (extra: Partial<WorkerStartOptions>) =>
  WorkerProcess.start({ ...o, ...extra });

describe("the reuse pool", () => {
  it("starts a worker for the pool, hands it to a later run once kept, and says why one of another identity was not taken", async () => {
    const firstRun = new WorkerPool(dir);
    const got = await firstRun.acquire(options(), { idleMs: 60_000 }, start(options()));
    expect(got.pooled).toBe(false);
    expect(firstRun.holds(got.worker)).toBe(true);
    expect(firstRun.keep(got.worker)).toBe(true);
    expect(workerRows(dir).map((r) => [r.pid, r.state])).toEqual([[got.worker.pid, "idle"]]);

    const nextRun = new WorkerPool(dir);
    const again = await nextRun.acquire(options(), { idleMs: 60_000 }, start(options()));
    expect(again).toMatchObject({ pooled: true });
    expect(again.worker.pid).toBe(got.worker.pid);
    expect(nextRun.keep(again.worker)).toBe(true);

    const otherRun = new WorkerPool(dir);
    const other = await otherRun.acquire(
      options({ env: { A: "1" } }),
      { idleMs: 60_000 },
      start(options({ env: { A: "1" } })),
    );
    expect(other.pooled).toBe(false);
    expect(other.why).toBe("the environment changed");
    otherRun.forget(other.worker);
    await other.worker.stop();
  }, 60_000);
});
