import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { userTempDir } from "../util/user-dir";
import { isAlive, killMarked, signal } from "./processes";

/** What is recorded of a running worker, so a later run can end it if this one dies. */
export interface WorkerRecord {
  pid: number;
  ownerPid: number;
  command: string;
  startedAt: string;
  /** The value of the worker's environment mark (`WORKER_ORCD_JEST_WORKER`), for finding what escaped its group. */
  mark?: string;
}

/** Folder of worker records; one per user, outside any project folder. */
export function registryDir(): string {
  return process.env.WORKER_ORCD_JEST_REGISTRY ?? userTempDir("workers");
}

/** Records a started worker. */
export function recordWorker(record: WorkerRecord): void {
  try {
    mkdirSync(registryDir(), { recursive: true });
    writeFileSync(join(registryDir(), `${record.pid}.json`), JSON.stringify(record));
  } catch {
    // best effort: the watchdog still covers this worker
  }
}

/** Forgets a worker that was stopped. */
export function forgetWorker(pid: number): void {
  rmSync(join(registryDir(), `${pid}.json`), { force: true });
}

/** The command line of a running process, from /proc (undefined elsewhere). */
export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return undefined;
  }
}

/**
 * Ends workers recorded by earlier runs whose owner process is gone but which
 * are still alive (SIGKILL to their group). A pid now used by another program
 * (its command line differs) is left alone. Returns the pids ended.
 */
export function reapOrphans(): number[] {
  let files: string[];
  try {
    files = readdirSync(registryDir()).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const ended: number[] = [];
  for (const file of files) {
    const path = join(registryDir(), file);
    let record: WorkerRecord;
    try {
      record = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (isAlive(record.ownerPid)) continue;
    // A live leader must still be the recorded worker (its pid may have been reused).
    // A gone leader's group id cannot be reused while members live: end those members.
    const leaderAlive = isAlive(record.pid);
    const command = leaderAlive ? commandOf(record.pid) : undefined;
    const same = !leaderAlive || command === undefined || command === record.command;
    let hit = false;
    if (same && isAlive(-record.pid)) {
      signal(-record.pid, "SIGKILL");
      hit = true;
    }
    if (record.mark && killMarked(record.mark).length > 0) hit = true;
    if (hit) ended.push(record.pid);
    rmSync(path, { force: true });
  }
  return ended;
}
