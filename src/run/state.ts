import {
  appendFileSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { GpuReport } from "../checks/gpu";
import type { ModelReport } from "../checks/model";
import type { WorkerOrigin } from "../scope/source";
import { createExclusive } from "../util/user-dir";
import { isAlive } from "../worker/processes";

/** What global setup shares with every test file (through a file named by an environment variable). */
export interface SharedState {
  gpu: GpuReport;
  /** Each project's `testEnvironmentOptions.workerOrcd`, before any docblock replaced it, by project id. */
  configOptions: Record<string, unknown>;
  /** The model reports global setup made (reused by files whose model file is unchanged). */
  models?: ModelReport[];
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
  writeFileSync(path, JSON.stringify({ ...state, ownerPid: process.pid }, bigintOut));
  return path;
}

/** JSON has no bigint (GGUF counts are u64): written as `{"$bigint": "digits"}`, read back by {@link bigintIn}. */
function bigintOut(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? { $bigint: value.toString() } : value;
}

function bigintIn(_key: string, value: unknown): unknown {
  const digits = (value as { $bigint?: unknown } | null)?.$bigint;
  return typeof digits === "string" ? BigInt(digits) : value;
}

/** Reads the state named by {@link STATE_VAR}, or undefined when global setup did not run. */
export function readState(env: NodeJS.ProcessEnv = process.env): SharedState | undefined {
  const path = env[STATE_VAR];
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"), bigintIn);
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
      // Only a folder of this user's (never a link, never another user's) is removed.
      const st = lstatSync(path);
      if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid())) continue;
      stale = owner ? !isAlive(Number(owner)) : Date.now() - st.mtimeMs > OLD_FORMAT_STALE_MS;
    } catch {
      continue;
    }
    if (!stale) continue;
    rmSync(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** How the files of a run got their workers, for the summary global teardown prints. */
export interface WorkerUse {
  /** Files that got a worker. */
  files: number;
  /** Workers started: for a file, or ahead as a spare (taken or not). */
  started: number;
  /** Files that took over a worker an earlier file had used (scope `"process"`, origin `"kept"`). */
  kept: number;
  /** Files whose worker was started ahead, while the file before ran. */
  ahead: number;
  /** Spares started ahead that no file took (stopped with their process). */
  unusedSpares: number;
  /** Spares a file took whose start had failed (the file got the error). */
  failedSpares: number;
  /** Files whose worker could not be had (they failed with the reason). */
  failedFiles: number;
  /** Workers a file got and gave back without running a test (`-t` filtered it out, or it failed to load). */
  unusedByFiles: number;
  /** Workers started by `WorkerTestHarness` (counted in `started` too). */
  harnesses: number;
  /** Files that attached to a running worker (`url`): nothing was started for them. */
  attached: number;
  /** Files that took a warm worker from the reuse pool (`reuse`), left there by an earlier run. */
  pooled: number;
  /** The scopes in force. */
  scopes: string[];
}

const USE_FILE = "workers.log";

function noteUse(line: string, env: NodeJS.ProcessEnv): void {
  const path = env[STATE_VAR];
  if (!path) return;
  try {
    appendFileSync(join(dirname(path), USE_FILE), `${line}\n`);
  } catch {
    // the summary is informative only
  }
}

/** Notes, in the run's folder, how a file got its worker under `scope`. No-op without global setup. */
export function noteWorkerUse(
  scope: string,
  origin: WorkerOrigin,
  env: NodeJS.ProcessEnv = process.env,
): void {
  noteUse(`${scope} ${origin}`, env);
}

/** Notes that a spare was started ahead (for the next file, or for the first one of an in-band run). */
export function noteSpareStarted(env: NodeJS.ProcessEnv = process.env): void {
  noteUse("spare", env);
}

/**
 * Notes that a file could not get its worker (`ahead`: the start that failed
 * was a spare's, which the summary then counts as failed, not as unneeded).
 */
export function noteStartFailed(ahead: boolean, env: NodeJS.ProcessEnv = process.env): void {
  noteUse("failed", env);
  if (ahead) noteUse("spare-failed", env);
}

/** Notes that a file gave its worker back without running a test (the summary counts it apart). */
export function noteWorkerUnused(env: NodeJS.ProcessEnv = process.env): void {
  noteUse("unused", env);
}

/** Notes a worker started by `WorkerTestHarness`. */
export function noteHarnessStarted(env: NodeJS.ProcessEnv = process.env): void {
  noteUse("harness", env);
}

/**
 * What {@link noteWorkerUse} and its siblings noted in this run: the one
 * source of every worker count (the run summary and the report's table).
 */
export function readWorkerUse(env: NodeJS.ProcessEnv = process.env): WorkerUse {
  const use: WorkerUse = {
    files: 0,
    started: 0,
    kept: 0,
    ahead: 0,
    unusedSpares: 0,
    failedSpares: 0,
    failedFiles: 0,
    unusedByFiles: 0,
    harnesses: 0,
    attached: 0,
    pooled: 0,
    scopes: [],
  };
  const path = env[STATE_VAR];
  let text = "";
  try {
    text = path ? readFileSync(join(dirname(path), USE_FILE), "utf8") : "";
  } catch {
    return use;
  }
  let spares = 0;
  for (const line of text.split("\n")) {
    const [scope, what] = line.split(" ");
    if (scope === "spare") spares++;
    if (scope === "unused") use.unusedByFiles++;
    if (scope === "spare-failed") use.failedSpares++;
    if (scope === "failed") use.failedFiles++;
    if (scope === "harness") use.harnesses++;
    if (!what) continue;
    use.files++;
    if (what === "kept") use.kept++;
    else if (what === "attached") use.attached++;
    else if (what === "pooled") use.pooled++;
    else if (what === "ahead") use.ahead++;
    else use.started++;
    if (!use.scopes.includes(scope)) use.scopes.push(scope);
  }
  use.started += spares + use.harnesses; // every spare is a start; those taken are counted there, not again as the file's
  use.files -= use.unusedByFiles;
  use.unusedSpares = Math.max(0, spares - use.ahead - use.failedSpares);
  return use;
}

const REFUSED_FILE = "refused.txt";

/**
 * Notes, in the run's folder, why the run must not run tests (the
 * reporter's options are wrong): every file then fails at once with it, and
 * nothing is started. No-op without global setup.
 */
export function refuseRun(why: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = env[STATE_VAR];
  if (!path) return;
  try {
    createExclusive(join(dirname(path), REFUSED_FILE), why);
  } catch {
    // then the files run, and the reporter still fails the run at its end
  }
}

/** Why this run refuses to run tests ({@link refuseRun}); undefined when it does not. */
export function runRefused(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env[STATE_VAR];
  if (!path) return undefined;
  try {
    return readFileSync(join(dirname(path), REFUSED_FILE), "utf8");
  } catch {
    return undefined;
  }
}

const ATTACH_FILE = "attach-failures.log";

/**
 * Notes, in the run's folder, that the attached worker at `url` could not
 * be used, and why: later files of the run fail at once with the same
 * reason instead of each waiting out its start-up timeout. No-op without
 * global setup.
 */
export function noteAttachFailure(url: string, why: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = env[STATE_VAR];
  if (!path) return;
  try {
    appendFileSync(join(dirname(path), ATTACH_FILE), `${JSON.stringify({ url, why })}\n`);
  } catch {
    // then each file finds out for itself
  }
}

/** Why an earlier file of this run could not use the attached worker at `url`; undefined when none said so. */
export function seenAttachFailure(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env[STATE_VAR];
  if (!path) return undefined;
  let text = "";
  try {
    text = readFileSync(join(dirname(path), ATTACH_FILE), "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    try {
      const seen = JSON.parse(line) as { url?: unknown; why?: unknown };
      if (seen.url === url && typeof seen.why === "string") return seen.why;
    } catch {
      // a torn or empty line
    }
  }
  return undefined;
}

/** What Jest decided for this run when it scheduled the files (a reporter learns it at `onRunStart`). */
export interface RunShape {
  /** Test files in the run. */
  files: number;
  /** Whether Jest runs them in its main process, one after another. */
  inBand: boolean;
  /** Jest processes that run files (1 in band). */
  workers: number;
}

const SHAPE_FILE = "run.json";

/** Notes the run's shape in the run's folder. No-op without global setup. */
export function writeRunShape(shape: RunShape, env: NodeJS.ProcessEnv = process.env): void {
  const path = env[STATE_VAR];
  if (!path) return;
  try {
    writeFileSync(join(dirname(path), SHAPE_FILE), JSON.stringify(shape));
  } catch {
    // only an optimisation depends on it
  }
}

/** The run's shape, when the preset's reporter noted it. */
export function readRunShape(env: NodeJS.ProcessEnv = process.env): RunShape | undefined {
  const path = env[STATE_VAR];
  try {
    return path ? (JSON.parse(readFileSync(join(dirname(path), SHAPE_FILE), "utf8")) as RunShape) : undefined;
  } catch {
    return undefined;
  }
}
