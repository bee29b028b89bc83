import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "../../util/timers";
import { killMarked } from "../../worker/processes";
import { stopGroupOf } from "../../worker/stop-tree";
import {
  aged,
  claim,
  drop,
  ensurePool,
  heldElsewhere,
  holderAlive,
  listPool,
  lockHolder,
  type PoolEntry,
  tryLock,
  workerAlive,
} from "./store";

/** How often the janitor looks at the pool. */
const SWEEP_MS = 1_000;
/** Release markers older than this are removed (a watchdog sees its marker within 0.2 s). */
const MARKER_MS = 60_000;

/** The janitor's compiled entry point (from `dist/`, or the built copy when this file runs from `src/`). */
const JANITOR_ENTRY =
  [
    join(__dirname, "janitor.js"),
    join(__dirname, "..", "..", "..", "dist", "scope", "pool", "janitor.js"),
  ].find((p) => existsSync(p)) ?? join(__dirname, "janitor.js");

const pidFile = (dir: string) => join(dir, "janitor.pid");

/** Stops a pooled worker's group and what carries its mark, then removes its record. */
async function end(entry: PoolEntry): Promise<void> {
  const { record } = entry;
  if (workerAlive(record)) await stopGroupOf(record.pid, record.graceMs);
  killMarked(record.mark);
  drop(entry);
}

/**
 * One look at the pool: records of workers that are gone (or whose pid now
 * belongs to another process) are removed; an idle worker past its
 * `idleMs` is stopped with its whole group; a leased worker whose holder
 * died (a killed run: its lease watchdog ends it, this is the backstop) is
 * stopped; old release markers and dead holders' start locks are removed.
 * Returns how many records are left.
 */
export async function sweep(dir: string): Promise<number> {
  const entries = listPool(dir);
  let left = 0;
  for (const entry of entries) {
    const { record } = entry;
    if (entry.state === "idle") {
      if (!workerAlive(record)) drop(entry);
      else if (Date.now() - record.idleSince >= record.idleMs) {
        const mine = claim(dir, entry);
        if (mine) await end(mine);
      } else left++;
      continue;
    }
    if (entry.holder && holderAlive(entry.holder)) {
      left++;
      continue;
    }
    // The holder is gone, so whatever it did is done: looked at afresh now (the listing may have straddled its
    // hand-back), a worker idle again or since taken by a live run keeps running; only the lease file is left over.
    if (entry.holder && heldElsewhere(dir, record.id, entry.holder)) drop(entry, false);
    else await end(entry);
  }
  for (const marker of aged(dir, "released"))
    if (marker.ageMs > MARKER_MS) rmSync(marker.path, { force: true });
  for (const lock of aged(dir, "starting")) {
    const holder = lockHolder(lock.path);
    if (holder ? !holderAlive(holder) : lock.ageMs > 5_000) rmSync(lock.path, { force: true });
  }
  return left;
}

/**
 * Makes sure a janitor runs for the pool at `dir`: a small detached Node
 * process that sweeps it every second ({@link sweep}) and exits once the
 * pool is empty, so a pooled worker is stopped at its expiry even when no
 * run follows. At most one runs per pool (a second one exits at once).
 */
export function ensureJanitor(dir: string): void {
  const holder = lockHolder(pidFile(dir));
  if (holder && holderAlive(holder)) return;
  const child = spawn(process.execPath, [JANITOR_ENTRY, dir], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, WORKER_ORCD_JEST_POOL: dir },
  });
  child.on("error", () => undefined);
  child.unref();
}

/** The janitor process: claims the pool's pid file, sweeps until the pool is empty, and exits. */
export async function runJanitor(dir: string): Promise<void> {
  try {
    ensurePool(dir);
  } catch {
    return; // not this user's alone: nothing in it is trusted
  }
  const file = pidFile(dir);
  if (!tryLock(file)) {
    const holder = lockHolder(file);
    if (holder && holderAlive(holder)) return;
    rmSync(file, { force: true });
    if (!tryLock(file)) return;
  }
  try {
    let empty = 0;
    while (existsSync(dir)) {
      empty = (await sweep(dir)) === 0 ? empty + 1 : 0;
      if (empty >= 2) {
        // Let go of the pid file first, then look once more: a worker handed to the pool meanwhile either is
        // seen now, or found no janitor and started one.
        rmSync(file, { force: true });
        if ((await sweep(dir)) === 0 || !tryLock(file)) return;
        empty = 0;
      }
      await sleep(SWEEP_MS);
    }
  } finally {
    if (lockHolder(file)?.pid === process.pid) rmSync(file, { force: true });
  }
}

if (require.main === module) {
  const dir = process.argv[2];
  if (dir) void runJanitor(dir).then(() => process.exit(0));
}
