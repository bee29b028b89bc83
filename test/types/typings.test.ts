import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";

const root = join(__dirname, "..", "..");

/** Runs tsc on a tsconfig of this folder; its exit code and output. */
function tsc(tsconfig: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", join(__dirname, tsconfig)],
      { cwd: root },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, out: stdout + stderr }),
    );
  });
}

describe("matcher typings", () => {
  // Unused @ts-expect-error lines would be errors too: each wrong call must fail to compile.
  it("type-check for @types/jest globals and @jest/globals imports, and reject wrong arguments", async () => {
    const result = await tsc("tsconfig.json");
    expect(result.out).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  it("type-check on Vitest's expect, with the worker and its fixture from worker-orcd-jest/vitest", async () => {
    const result = await tsc(join("vitest", "tsconfig.json"));
    expect(result.out).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);
});
