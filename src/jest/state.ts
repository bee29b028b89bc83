import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { GpuReport } from "../checks/gpu";
import { isAlive } from "../worker/processes";

/** What global setup shares with every test file (through a file named by an environment variable). */
export interface SharedState {
  gpu: GpuReport;
  /** Each project's `testEnvironmentOptions.workerOrcd`, before any docblock replaced it, by project id. */
  configOptions: Record<string, unknown>;
  /** The Jest process whose global setup wrote it; only that run removes it. */
  ownerPid?: number;
}

/** The variable that names the state file; Jest's worker processes inherit it. */
export const STATE_VAR = "WORKER_ORCD_JEST_STATE";

const PREFIX = "worker-orcd-jest-run-";
/** A run folder of an older version (no owner pid in its name) is stale after this long. */
const OLD_FORMAT_STALE_MS = 60 * 60 * 1000;

/**
 * Writes the state into a fresh temp dir of this run (never the user's
 * rootDir), named after this process so a later run can tell whether it is
 * gone; returns the file's path.
 */
export function writeState(state: SharedState): string {
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const path = join(dir, "state.json");
  writeFileSync(path, JSON.stringify({ ...state, ownerPid: process.pid }));
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

/** True when the state file was written by this process (this run), not by an outer run whose variable we inherited. */
export function ownState(state: SharedState | undefined): boolean {
  return state?.ownerPid === process.pid;
}

/** Removes the state file's temp dir. */
export function removeState(path: string | undefined): void {
  if (path && basename(dirname(path)).startsWith(PREFIX))
    rmSync(dirname(path), { recursive: true, force: true });
}

/**
 * Removes run folders of runs that are gone (killed before their global
 * teardown): their owner pid is not alive, or, for an older version's folder
 * with no pid in its name, it is over an hour old. Returns how many.
 */
export function removeStaleRuns(dir = tmpdir()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(PREFIX));
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    const owner = /^worker-orcd-jest-run-(\d+)-/.exec(name)?.[1];
    let stale: boolean;
    try {
      stale = owner ? !isAlive(Number(owner)) : Date.now() - statSync(path).mtimeMs > OLD_FORMAT_STALE_MS;
    } catch {
      continue;
    }
    if (!stale) continue;
    rmSync(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
