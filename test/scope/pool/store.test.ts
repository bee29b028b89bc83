import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { identityOf } from "../../../src/scope/identity";
import { claim, drop, ensurePool, listPool, type PoolRecord, putIdle } from "../../../src/scope/pool/store";

const root = mkdtempSync(join(tmpdir(), "wojest-store-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function record(port: number): PoolRecord {
  return {
    id: randomUUID().slice(0, 8),
    pid: 999_999, // a worker's pid: never this process's own
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    workerId: randomUUID(),
    mark: randomUUID(),
    command: "mock",
    identity: identityOf({ binary: "mock", model: "mock", gpuDevice: 0 }),
    key: "0000000000000000",
    startedAt: new Date().toISOString(),
    startupMs: 1,
    idleSince: Date.now(),
    idleMs: 60_000,
    graceMs: 500,
    stdout: "",
    stderr: "",
    uses: 0,
  };
}

describe("the reuse pool's records", () => {
  it("an idle record is taken by exactly one claimer, as a lease naming its holder", () => {
    const dir = join(root, "pool-claim");
    ensurePool(dir);
    putIdle(dir, record(40001));
    const [idle] = listPool(dir);
    expect(idle).toMatchObject({ state: "idle", record: { port: 40001 } });
    const leased = claim(dir, idle, { pid: process.pid });
    expect(leased).toMatchObject({ state: "leased", holder: { pid: process.pid } });
    expect(claim(dir, idle, { pid: process.pid })).toBeUndefined(); // the second claimer finds it gone
    expect(listPool(dir).map((e) => e.state)).toEqual(["leased"]);
    drop(leased!);
    expect(listPool(dir)).toEqual([]);
  });

  it("a file that is not a record the package wrote is removed, not followed", () => {
    const dir = join(root, "pool-junk");
    ensurePool(dir);
    const junk = join(dir, "idle", "junk.json");
    writeFileSync(
      junk,
      JSON.stringify({ ...record(40002), baseUrl: "http://evil.example:80", id: "../../x" }),
    );
    expect(listPool(dir)).toEqual([]);
    expect(existsSync(junk)).toBe(false);
  });
});
