import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { JobLedger } from "../../src/client/job-ledger";
import { differences, identityOf, keyOf } from "../../src/scope/identity";
import type { WorkerStartOptions } from "../../src/worker/worker-process";

const dir = mkdtempSync(join(tmpdir(), "wojest-identity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("one identity for the spare, the kept worker and the pool", () => {
  const model = join(dir, "m.gguf");
  writeFileSync(model, "GGUF");
  const base: WorkerStartOptions = { binary: "mock", model, gpuDevice: 0, startupTimeoutMs: 5000 };

  it("is the same for the same worker, however the start is run (ledger, spawn callback)", () => {
    expect(keyOf({ ...base, jobs: new JobLedger(), onSpawn: () => {}, unref: true })).toBe(keyOf(base));
    expect(identityOf(base).mode).toBe("mock");
    expect(identityOf({ ...base, binary: "/bin/true" }).mode).toBe("real");
  });

  it("differs, and names what changed, when the model file changes, the arguments, the environment or the timeouts", () => {
    const before = identityOf(base);
    utimesSync(model, new Date(), new Date(Date.now() + 60_000));
    expect(differences(identityOf(base), before)).toEqual(["the model changed (modification time)"]);
    expect(differences(identityOf({ ...base, extraArgs: ["--x"] }), identityOf(base))).toEqual([
      "the arguments changed",
    ]);
    expect(differences(identityOf({ ...base, env: { A: "1" } }), identityOf(base))).toEqual([
      "the environment changed",
    ]);
    expect(differences(identityOf({ ...base, startupTimeoutMs: 1 }), identityOf(base))).toEqual([
      "the timeouts changed",
    ]);
    expect(keyOf({ ...base, gpuDevice: 1 })).not.toBe(keyOf(base));
  });
});
