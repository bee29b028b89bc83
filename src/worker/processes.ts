import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";

const HAS_PROC = existsSync("/proc/self/stat");

/** A row of the process table. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  args: string;
}

/** Reads the process table with `ps` (Linux and macOS). */
export function listProcesses(): ProcessRow[] {
  const out = execFileSync("ps", ["-A", "-o", "pid=,ppid=,pgid=,args="], {
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  return out
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), args: m[4] }));
}

/** The process table from /proc (Linux; no process spawned), or from `ps` elsewhere. */
export function processTable(): ProcessRow[] {
  if (!HAS_PROC) return listProcesses();
  const rows: ProcessRow[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      rows.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]), args: "" });
    } catch {
      // exited while listing
    }
  }
  return rows;
}

/** Every descendant of `pid` (children, grandchildren, ...). */
export function descendantsOf(pid: number, rows = processTable()): ProcessRow[] {
  const found: ProcessRow[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const row of rows) {
      if (row.ppid === parent && !found.some((f) => f.pid === row.pid)) {
        found.push(row);
        queue.push(row.pid);
      }
    }
  }
  return found;
}

/** State letter and process group of a pid from /proc (Linux), or undefined. */
function procStat(pid: number): { state: string; pgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/**
 * True when a process (or, with a negative id, any member of a process group)
 * exists and is not a zombie: an exited process that its parent (or an init
 * that does not reap) has not collected yet counts as gone.
 */
export function isAlive(pidOrNegativePgid: number): boolean {
  try {
    process.kill(pidOrNegativePgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!HAS_PROC) return true;
  if (pidOrNegativePgid > 0) return procStat(pidOrNegativePgid)?.state !== "Z";
  const pgid = -pidOrNegativePgid;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(Number(entry));
    if (st && st.pgid === pgid && st.state !== "Z") return true;
  }
  return false;
}

/** Sends a signal, ignoring "no such process". */
export function signal(pidOrNegativePgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pidOrNegativePgid, sig);
  } catch {
    // already gone
  }
}

/** Variable put in every worker's environment, naming that worker; its descendants inherit it. */
export const MARK_VAR = "WORKER_ORCD_JEST_WORKER";

/** True for a value this package gives as a mark (a random UUID): anything else in a record is not one of its marks. */
export function isMark(value: unknown): value is string {
  return (
    typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
  );
}

/** True for a pid a record may name: a whole number above 1 that is not this process (never 0, 1 or a group). */
export function isWorkerPid(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 1 && value !== process.pid;
}

/** True when the process `pid` runs as this user (Linux, from /proc; true where there are no user ids). */
function runsAsMe(pid: number): boolean {
  const me = process.getuid?.();
  if (me === undefined) return true;
  try {
    return statSync(`/proc/${pid}`).uid === me;
  } catch {
    return false;
  }
}

/** True when `pid` is a live process of this user whose environment carries `MARK_VAR=<mark>` (Linux). */
function carriesMark(pid: number, mark: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, "latin1");
    return `\0${env}\0`.includes(`\0${MARK_VAR}=${mark}\0`) && runsAsMe(pid) && procStat(pid)?.state !== "Z";
  } catch {
    return false; // gone, or another user's
  }
}

/**
 * True when `pid` is a worker this package started, as proven by the mark
 * it gave it: the process runs as this user and its environment (read from
 * `/proc/<pid>/environ`, which no other user can read) carries `mark`. A
 * record, whoever wrote it, can lead the package to signal only such a
 * process; a pid of 0 or 1, a negative one, this process, or a value that is
 * not one of its marks is never one. Where there is no /proc (macOS) the
 * environment cannot be read: the process being alive is taken instead, and
 * the state folder's check (see `privateDir`) is what keeps records honest.
 */
export function isProvenWorker(pid: unknown, mark: unknown): boolean {
  if (!isWorkerPid(pid) || !isMark(mark)) return false;
  if (!HAS_PROC) return isAlive(pid);
  return carriesMark(pid, mark);
}

/**
 * Pids of live processes of this user whose environment carries
 * `MARK_VAR=<mark>` (Linux, from /proc; empty elsewhere, and for a value
 * that is not one of this package's marks). This finds a worker's
 * descendants that left its process group, even a daemon that double-forked
 * with `setsid`, as long as it kept the environment it was started with.
 */
export function markedProcesses(mark: string): number[] {
  if (!HAS_PROC || !isMark(mark)) return [];
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (carriesMark(Number(entry), mark)) found.push(Number(entry));
  }
  return found;
}

/** SIGKILLs every live process of this user carrying the mark; returns their pids. */
export function killMarked(mark: string): number[] {
  const pids = markedProcesses(mark);
  for (const pid of pids) signal(pid, "SIGKILL");
  return pids;
}

/**
 * When a process started, in clock ticks since boot (Linux, from /proc; field
 * 22 of its stat line), as a string; undefined where it cannot be read. A pid
 * and its stamp name one process: a pid that was reused by another has
 * another stamp.
 */
export function processStamp(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is alive and is still the process that had `stamp` (where
 * stamps can be read; elsewhere, alive is taken as the same).
 */
export function isSameProcess(pid: number, stamp: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  if (stamp === undefined) return true;
  const current = processStamp(pid);
  return current === undefined || current === stamp;
}

/** Resident memory of a process in bytes (Linux, from /proc), or undefined. */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
