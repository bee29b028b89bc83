import { execFileSync } from "node:child_process";

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

/** Every descendant of `pid` (children, grandchildren, ...). */
export function descendantsOf(pid: number, rows = listProcesses()): ProcessRow[] {
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

/** True when a process (or, with a negative id, a process group) exists. */
export function isAlive(pidOrNegativePgid: number): boolean {
  try {
    process.kill(pidOrNegativePgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends a signal, ignoring "no such process". */
export function signal(pidOrNegativePgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pidOrNegativePgid, sig);
  } catch {
    // already gone
  }
}
