import { spawn } from "node:child_process";

/**
 * A tiny detached shell loop that ends a worker's process group when any of
 * its owners is gone — for when Jest is interrupted or killed and never runs
 * teardown. It exits by itself once the group is gone.
 */
const SCRIPT = `group=$1; ticks=$2; mark=$3; shift 3
alive() { for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done; }
while alive "$@" && kill -0 -"$group" 2>/dev/null; do sleep 0.2; done
alive "$@" && exit 0
if kill -0 -"$group" 2>/dev/null; then
  kill -TERM -"$group" 2>/dev/null
  n=0; while kill -0 -"$group" 2>/dev/null && [ "$n" -lt "$ticks" ]; do sleep 0.1; n=$((n+1)); done
  kill -KILL -"$group" 2>/dev/null
fi
for f in /proc/[0-9]*/environ; do
  if grep -qsz "^WORKER_ORCD_JEST_WORKER=$mark$" "$f" 2>/dev/null; then
    p=\${f#/proc/}; kill -KILL "\${p%/environ}" 2>/dev/null
  fi
done`;

/**
 * The processes whose death must end a worker: this process and, when it is a
 * forked Jest worker (it has an IPC channel to its parent), the Jest process
 * that forked it — a Jest worker can outlive a killed Jest run.
 */
export function owners(): number[] {
  return process.connected && process.ppid > 1 ? [process.pid, process.ppid] : [process.pid];
}

/**
 * Starts the watchdog for a worker group. When an owner dies it ends the
 * group (SIGTERM; SIGKILL once `graceMs` has passed, and no later than it
 * is gone), then every process that carries the worker's environment mark
 * (one that left the group, e.g. a `setsid` daemon).
 */
export function startWatchdog(
  workerPgid: number,
  graceMs: number,
  mark: string,
  ownerPids: number[] = owners(),
): void {
  // The grace in ticks of 0.1 s: the group gets SIGKILL once they are spent, or the watchdog goes on as soon as it is gone.
  const ticks = String(Math.max(1, Math.ceil(graceMs / 100)));
  const args = [
    "-c",
    SCRIPT,
    "worker-orcd-watchdog",
    String(workerPgid),
    ticks,
    mark,
    ...ownerPids.map(String),
  ];
  const child = spawn("/bin/sh", args, { detached: true, stdio: "ignore" });
  child.on("error", () => undefined);
  child.unref();
}
