import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";

const root = join(__dirname, "..", "..");

describe("matcher typings", () => {
  it("type-check for @types/jest globals and @jest/globals imports, and reject wrong arguments", async () => {
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", join(__dirname, "tsconfig.json")],
        { cwd: root },
        (error, stdout, stderr) =>
          resolve({ code: error ? (error.code as number) : 0, out: stdout + stderr }),
      );
    });
    // Unused @ts-expect-error lines would be errors too: each wrong call must fail to compile.
    expect(result.out).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  it("type-check on Vitest's expect, with the worker and its fixture from worker-orcd-jest/vitest", async () => {
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", join(__dirname, "vitest", "tsconfig.json")],
        { cwd: root },
        (error, stdout, stderr) =>
          resolve({ code: error ? (error.code as number) : 0, out: stdout + stderr }),
      );
    });
    expect(result.out).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);
});
