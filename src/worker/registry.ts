import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createExclusive, privateDir, userTempDir } from "../util/user-dir";
import { isAlive, isMark, isProvenWorker, isWorkerPid, killMarked, signal } from "./processes";

/** What is recorded of a running worker, so a later run can end it if this one dies. */
export interface WorkerRecord {
  pid: number;
  ownerPid: number;
  command: string;
  startedAt: string;
  /** The value of the worker's environment mark (`WORKER_ORCD_JEST_WORKER`): what proves the process is the package's. */
  mark?: string;
}

/** The path of the folder of worker records (`WORKER_ORCD_JEST_REGISTRY`, else this user's `workers` folder); not checked. */
export function registryDir(): string {
  return process.env.WORKER_ORCD_JEST_REGISTRY ?? userTempDir("workers");
}

/**
 * The registry folder, checked to be this user's alone (created where it
 * does not exist); throws `UnsafeFolderError` naming it and the fix.
 */
export function openRegistry(): string {
  return privateDir(registryDir());
}

const recordPath = (dir: string, pid: number) => join(dir, `${pid}.json`);

/** Records a started worker (best effort: the watchdog still covers a worker that could not be recorded). */
export function recordWorker(record: WorkerRecord): void {
  if (!isWorkerPid(record.pid)) return;
  try {
    const path = recordPath(openRegistry(), record.pid);
    // A record of an earlier process with the same pid may be left: this one replaces it.
    rmSync(path, { force: true });
    createExclusive(path, JSON.stringify(record));
  } catch {
    // best effort
  }
}

/** Forgets a worker that was stopped. */
export function forgetWorker(pid: number): void {
  if (isWorkerPid(pid)) rmSync(recordPath(registryDir(), pid), { force: true });
}

/** The command line of a running process, from /proc (undefined elsewhere). */
export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return undefined;
  }
}

/** A record as read, when it is one the package could have written; undefined otherwise. */
function parseRecord(text: string): (WorkerRecord & { mark: string }) | undefined {
  try {
    const r = JSON.parse(text) as Partial<WorkerRecord>;
    if (!isWorkerPid(r.pid) || !isMark(r.mark)) return undefined;
    if (typeof r.ownerPid !== "number" || !Number.isInteger(r.ownerPid) || r.ownerPid < 1) return undefined;
    return r as WorkerRecord & { mark: string };
  } catch {
    return undefined;
  }
}

/**
 * Ends workers recorded by earlier runs whose owner process is gone but which
 * are still alive. Only what the package can prove it started is signalled:
 * the recorded leader's group when the leader runs as this user and carries
 * the record's environment mark, and every other process of this user that
 * carries it (one that left the group). A record naming any other process
 * (its pid reused, or a record someone else wrote) ends nothing. Returns the
 * pids ended. Throws `UnsafeFolderError` when the registry folder is not
 * this user's alone (nothing in it is read then).
 */
export function reapOrphans(): number[] {
  const dir = openRegistry();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    return [];
  }
  const ended: number[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue;
    }
    const record = parseRecord(text);
    if (!record || `${record.pid}.json` !== file) {
      rmSync(path, { force: true });
      continue;
    }
    if (isAlive(record.ownerPid)) continue;
    let hit = false;
    if (isProvenWorker(record.pid, record.mark)) {
      signal(-record.pid, "SIGKILL");
      hit = true;
    }
    if (killMarked(record.mark).length > 0) hit = true;
    if (hit) ended.push(record.pid);
    rmSync(path, { force: true });
  }
  return ended;
}
