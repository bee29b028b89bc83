import { type ChildProcess, spawn } from "node:child_process";
import { MARK_VAR } from "./processes";

/**
 * A tiny detached shell loop that ends a worker's process group when any of
 * its owners is gone — for when Jest is interrupted or killed and never runs
 * teardown. It exits by itself once the group is gone, and lets the worker
 * live once its release file exists (the worker was handed to the pool).
 * The mark is looked for with one `grep` over every process's environment
 * (one process, not one per process of the machine: a watchdog of a file
 * whose process ends with it, as under Vitest, always gets this far).
 * The release file is also the one token between it and the pool: before
 * it ends a worker it creates that file itself, exclusively, so a hand-back
 * racing it (`WorkerPool.keep`) finds the file taken and does not put a
 * dying worker back idle; of the two, exactly one wins. Where the file
 * cannot be made at all (its folder is gone), the worker is ended.
 */
const SCRIPT = `group=$1; ticks=$2; mark=$3; release=$4; shift 4
alive() { for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done; }
while alive "$@" && kill -0 -"$group" 2>/dev/null && [ ! -e "$release" ]; do sleep 0.2; done
alive "$@" && exit 0
if [ "$release" != "-" ] && ! (set -C; : >"$release") 2>/dev/null; then [ -e "$release" ] && exit 0; fi
if kill -0 -"$group" 2>/dev/null; then
  kill -TERM -"$group" 2>/dev/null
  n=0; while kill -0 -"$group" 2>/dev/null && [ "$n" -lt "$ticks" ]; do sleep 0.1; n=$((n+1)); done
  kill -KILL -"$group" 2>/dev/null
fi
for f in $(grep -lsz "^${MARK_VAR}=$mark$" /proc/[0-9]*/environ 2>/dev/null); do
  p=\${f#/proc/}; kill -KILL "\${p%/environ}" 2>/dev/null
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
 * A shell that starts watchdogs for this process, one per line read from its
 * stdin (`group ticks mark owner...`), each in the background. A watchdog is
 * then a fork of this small shell, not of this Node process: a fork costs
 * time in proportion to the parent's memory (about 14 ms at 300 MB), and
 * this process is Jest's. It ends when its stdin does (this process is gone,
 * or has no worker left); the watchdogs it started live on until their own
 * work is done.
 */
const LAUNCHER = `script=$1
while read -r group ticks mark release owners; do
  /bin/sh -c "$script" worker-orcd-watchdog $group $ticks $mark $release $owners </dev/null >/dev/null 2>&1 &
done`;

interface Launcher {
  child: ChildProcess;
  alive: boolean;
}
let launcher: Launcher | undefined;
/** Launchers lost so far (killed from outside); after a few, no more are started (a missing `/bin/sh` must not loop). */
let losses = 0;
/** Watchdogs asked for, by group, until their worker is stopped: asked again if the launcher dies. */
const wanted = new Map<number, string>();

function launch(): Launcher {
  if (launcher?.alive) return launcher;
  const child = spawn("/bin/sh", ["-c", LAUNCHER, "worker-orcd-watchdogs", SCRIPT], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const current: Launcher = { child, alive: true };
  const lost = () => {
    if (!current.alive) return;
    current.alive = false;
    // Killed from outside: the watchdogs of workers still running are asked for again.
    if (launcher === current && wanted.size > 0 && ++losses <= 3) {
      launcher = undefined;
      const again = launch();
      for (const line of wanted.values()) again.child.stdin?.write(line);
    }
  };
  child.on("error", lost);
  child.on("exit", lost);
  child.stdin?.on("error", lost);
  child.unref();
  (child.stdin as { unref?: () => void } | null)?.unref?.();
  launcher = current;
  return current;
}

/**
 * Starts the watchdog for a worker group (through this process's launcher,
 * started on first use). When an owner dies it ends the
 * group (SIGTERM; SIGKILL once `graceMs` has passed, and no later than it
 * is gone), then every process that carries the worker's environment mark
 * (one that left the group, e.g. a `setsid` daemon). Once the file
 * `release` exists (a path without white space) the watchdog ends without
 * touching the worker: it was handed on (the reuse pool).
 */
export function startWatchdog(
  workerPgid: number,
  graceMs: number,
  mark: string,
  ownerPids: number[] = owners(),
  release = "-",
): void {
  // The grace in ticks of 0.1 s: the group gets SIGKILL once they are spent, or the watchdog goes on as soon as it is gone.
  const ticks = String(Math.max(1, Math.ceil(graceMs / 100)));
  if (/\s/.test(release)) throw new Error(`watchdog release path must not contain white space: ${release}`);
  const line = `${workerPgid} ${ticks} ${mark} ${release} ${ownerPids.join(" ")}\n`;
  wanted.set(workerPgid, line);
  launch().child.stdin?.write(line);
}

/**
 * The worker of `workerPgid` was stopped: its watchdog (which exits by
 * itself) need not be asked for again. With no worker left, the launcher is
 * let go (its stdin ends, after the lines it has not read yet), so that no
 * process of ours outlives the workers; the next start begins a new one.
 */
export function watchdogDone(workerPgid: number): void {
  wanted.delete(workerPgid);
  if (wanted.size > 0 || !launcher) return;
  const idle = launcher;
  launcher = undefined;
  idle.alive = false;
  idle.child.stdin?.end();
}
