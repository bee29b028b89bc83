import type { ChildProcess } from "node:child_process";
import treeKill from "tree-kill";
import { now } from "../util/clock";
import { sleep, within } from "../util/timers";
import { descendantsOf, isAlive, signal } from "./processes";

/** What stopping a worker took. */
export interface StopReport {
  /** Milliseconds from the first signal until nothing of the tree was left. */
  ms: number;
  /** True when SIGKILL was needed (something outlived the grace period). */
  forced: boolean;
}

function treeSignal(pid: number, sig: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => treeKill(pid, sig, () => resolve()));
}

/**
 * Stops a worker spawned as the leader of its own process group, and its
 * whole tree: SIGTERM to the group and, when the leader has descendants, to
 * its tree (tree-kill), then SIGKILL to
 * whatever is left after `graceMs` — the leader, every group member, and any
 * descendant that left the group.
 */
export async function stopProcessTree(child: ChildProcess, graceMs: number): Promise<StopReport> {
  const pid = child.pid;
  if (pid === undefined) return { ms: 0, forced: false };
  const leaderGone = () => child.exitCode !== null || child.signalCode !== null;
  const exited = leaderGone() ? Promise.resolve() : new Promise<void>((r) => child.once("exit", () => r()));
  return stopTree(pid, leaderGone, exited, graceMs);
}

/**
 * {@link stopProcessTree} for a group leader that is not this process's child
 * (a pooled worker started by an earlier run): it is gone once `kill -0`
 * says so (another process reaps it).
 */
export function stopGroupOf(pid: number, graceMs: number): Promise<StopReport> {
  const leaderGone = () => !isAlive(pid);
  const until = now() + graceMs + 5_000; // bounded: a leader that never goes must not leave a loop behind
  const exited = (async () => {
    while (!leaderGone() && now() < until) await sleep(5);
  })();
  return stopTree(pid, leaderGone, exited, graceMs);
}

async function stopTree(
  pid: number,
  leaderGone: () => boolean,
  exited: Promise<void>,
  graceMs: number,
): Promise<StopReport> {
  const started = now();
  const descendants = isAlive(pid) ? descendantsOf(pid) : [];
  const strays = descendants.filter((row) => row.pgid !== pid);
  const everythingGone = () => leaderGone() && !isAlive(-pid) && strays.every((s) => !isAlive(s.pid));

  signal(-pid, "SIGTERM");
  for (const s of strays) signal(s.pid, "SIGTERM");
  // tree-kill walks the tree with ps; it runs beside the wait, not before it, so a cooperative worker stops fast.
  // A leader without descendants has no tree to walk (the group signal reached it): no ps is spawned for it.
  const walking = descendants.length > 0 && isAlive(pid) ? treeSignal(pid, "SIGTERM") : Promise.resolve();
  const deadline = started + graceMs;
  while (!everythingGone() && now() < deadline) await sleep(5);

  let forced = false;
  if (!everythingGone()) {
    forced = true;
    if (isAlive(pid)) await treeSignal(pid, "SIGKILL");
    signal(-pid, "SIGKILL");
    for (const s of strays) signal(s.pid, "SIGKILL");
  }
  await within(exited, 2000);
  // Once everything is gone, tree-kill's ps walk has nothing left to find: let it finish on its own.
  if (everythingGone()) walking.catch(() => undefined);
  else await within(walking, 1000);
  while (isAlive(-pid) && now() < deadline + 2000) await sleep(5);
  return { ms: Math.round(now() - started), forced };
}
