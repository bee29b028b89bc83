import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { REPO, runJest } from "../helpers/jest-run";

describe("the example suite (npm run example)", () => {
  it("passes against the mock worker, skipping its GPU file with the reason", async () => {
    const result = await runJest(REPO, ["--config", join(REPO, "examples", "jest.config.js")], {
      PATH: "/usr/bin:/bin",
    });
    expect(result.out).toMatch(
      /worker-orcd-jest: gpu.test.ts: skipped 2 GPU test\(s\): nvidia-smi not found/,
    );
    expect(result.out).toMatch(/Tests: +2 skipped, 8 passed, 10 total/);
    expect(result.code).toBe(0);
  }, 120_000);
});
