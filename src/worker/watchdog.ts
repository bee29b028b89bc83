import { spawn } from "node:child_process";

/**
 * A tiny detached shell loop that ends a worker's process group when the
 * owning process (the Jest worker) is gone — for when Jest is interrupted or
 * killed and never runs teardown. It exits by itself once the group is gone.
 */
const SCRIPT = `owner=$1; group=$2; grace=$3
while kill -0 "$owner" 2>/dev/null && kill -0 -"$group" 2>/dev/null; do sleep 0.2; done
if kill -0 -"$group" 2>/dev/null; then
  kill -TERM -"$group" 2>/dev/null; sleep "$grace"; kill -KILL -"$group" 2>/dev/null
fi`;

/** Starts the watchdog for a worker group owned by `ownerPid`. */
export function startWatchdog(ownerPid: number, workerPgid: number, graceMs: number): void {
  const grace = Math.max(0.1, graceMs / 1000).toFixed(1);
  const child = spawn(
    "/bin/sh",
    ["-c", SCRIPT, "worker-orcd-watchdog", String(ownerPid), String(workerPgid), grace],
    {
      detached: true,
      stdio: "ignore",
    },
  );
  child.on("error", () => undefined);
  child.unref();
}
