import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "@jest/globals";

/**
 * Fake `nvidia-smi` scripts for a test file: `fakeSmi(text)` puts one first on
 * PATH and returns its folder; PATH is restored after each test and the
 * folders are removed after the file.
 */
export function useFakeSmi(): (text: string, mode?: number) => string {
  const originalPath = process.env.PATH;
  const dirs: string[] = [];
  afterEach(() => {
    process.env.PATH = originalPath;
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return (text, mode = 0o755) => {
    const dir = mkdtempSync(join(tmpdir(), "wojest-smi-"));
    dirs.push(dir);
    writeFileSync(join(dir, "nvidia-smi"), text);
    chmodSync(join(dir, "nvidia-smi"), mode);
    process.env.PATH = `${dir}:${originalPath}`;
    return dir;
  };
}
