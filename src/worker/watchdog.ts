import { spawn } from "node:child_process";

/**
 * A tiny detached shell loop that ends a worker's process group when any of
 * its owners is gone — for when Jest is interrupted or killed and never runs
 * teardown. It exits by itself once the group is gone.
 */
const SCRIPT = `group=$1; grace=$2; shift 2
alive() { for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done; }
while alive "$@" && kill -0 -"$group" 2>/dev/null; do sleep 0.2; done
if kill -0 -"$group" 2>/dev/null; then
  kill -TERM -"$group" 2>/dev/null; sleep "$grace"; kill -KILL -"$group" 2>/dev/null
fi`;

/**
 * The processes whose death must end a worker: this process and, when it is a
 * forked Jest worker (it has an IPC channel to its parent), the Jest process
 * that forked it — a Jest worker can outlive a killed Jest run.
 */
export function owners(): number[] {
  return process.connected && process.ppid > 1 ? [process.pid, process.ppid] : [process.pid];
}

/** Starts the watchdog for a worker group. */
export function startWatchdog(workerPgid: number, graceMs: number, ownerPids: number[] = owners()): void {
  const grace = Math.max(0.1, graceMs / 1000).toFixed(1);
  const args = ["-c", SCRIPT, "worker-orcd-watchdog", String(workerPgid), grace, ...ownerPids.map(String)];
  const child = spawn("/bin/sh", args, { detached: true, stdio: "ignore" });
  child.on("error", () => undefined);
  child.unref();
}
