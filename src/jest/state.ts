import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { GpuReport } from "../checks/gpu";

/** What global setup shares with every test file (through a file named by an environment variable). */
export interface SharedState {
  gpu: GpuReport;
  /** Each project's `testEnvironmentOptions.workerOrcd`, before any docblock replaced it, by project id. */
  configOptions: Record<string, unknown>;
}

/** The variable that names the state file; Jest's worker processes inherit it. */
export const STATE_VAR = "WORKER_ORCD_JEST_STATE";

/** Writes the state into a fresh temp dir of this run (never the user's rootDir); returns its path. */
export function writeState(state: SharedState): string {
  const dir = mkdtempSync(join(tmpdir(), "worker-orcd-jest-run-"));
  const path = join(dir, "state.json");
  writeFileSync(path, JSON.stringify(state));
  return path;
}

/** Reads the state named by {@link STATE_VAR}, or undefined when global setup did not run. */
export function readState(env: NodeJS.ProcessEnv = process.env): SharedState | undefined {
  const path = env[STATE_VAR];
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** Removes the state file's temp dir. */
export function removeState(path: string | undefined): void {
  if (path && /worker-orcd-jest-run-/.test(path)) rmSync(dirname(path), { recursive: true, force: true });
}
