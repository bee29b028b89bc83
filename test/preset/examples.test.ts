import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { REPO } from "../helpers/jest-run";

describe("the example suite (npm run example)", () => {
  it("passes against the mock worker, skipping its GPU file with the reason", async () => {
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [require.resolve("jest/bin/jest"), "--ci", "--config", join(REPO, "examples", "jest.config.js")],
        {
          cwd: REPO,
          env: { ...process.env, FORCE_COLOR: "0", PATH: "/usr/bin:/bin", WORKER_ORCD_REQUIRE_GPU: "" },
        },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("exit", (code) => resolve({ code, out }));
    });
    expect(result.out).toMatch(
      /worker-orcd-jest: gpu.test.ts: skipped 2 GPU test\(s\): nvidia-smi not found/,
    );
    expect(result.out).toMatch(/Tests: +2 skipped, 7 passed, 9 total/);
    expect(result.code).toBe(0);
  }, 120_000);
});
