import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError } from "../../client/errors";
import { createExclusive, privateDir, replaceFile, userTempDir } from "../../util/user-dir";
import { isMark, isProvenWorker, isSameProcess, isWorkerPid, processStamp } from "../../worker/processes";
import type { Identity } from "../identity";

/** What the pool knows of a worker it holds (one JSON file per worker). */
export interface PoolRecord {
  /** Short id (`workers stop <id>`). */
  id: string;
  pid: number;
  /** The worker's start stamp ({@link processStamp}): a pid reused by another process has another. */
  stamp?: string;
  port: number;
  baseUrl: string;
  workerId: string;
  /** The worker's environment mark (for descendants that left its group). */
  mark: string;
  command: string;
  identity: Identity;
  key: string;
  /** When the worker was started (ISO). */
  startedAt: string;
  /** Spawn to ready when it was started, ms. */
  startupMs: number;
  /** Epoch ms since when nobody used it. */
  idleSince: number;
  /** Ended by the janitor once idle this long. */
  idleMs: number;
  graceMs: number;
  /** Files its stdout and stderr go to. */
  stdout: string;
  stderr: string;
  /** Runs (Jest processes) that have leased it. */
  uses: number;
}

/** A process that holds a lease: pid and start stamp. */
export interface Holder {
  pid: number;
  stamp?: string;
}

/** A record in the pool: idle (free to take), or leased by a holder. */
export interface PoolEntry {
  record: PoolRecord;
  state: "idle" | "leased";
  /** Its file (a leased record's name carries its holder). */
  path: string;
  holder?: Holder;
}

/**
 * The pool folder: `WORKER_ORCD_JEST_POOL`, else one per user under the
 * system's temporary folder. Only its user can read it.
 */
export function poolDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKER_ORCD_JEST_POOL ?? userTempDir("pool");
}

const SUBDIRS = ["idle", "leased", "logs", "released", "starting"] as const;

/** The form of a record's id (`randomUUID().slice(0, 8)`): anything else is no record of the pool's. */
const RECORD_ID = /^[0-9a-f]{8}$/;

/**
 * Makes sure the pool folder is this user's alone (created mode 0700 where
 * it does not exist, with its parts) before anything in it is read or
 * written: one another user owns, that others can write to, or that is a
 * link is refused (`UnsafeFolderError`, naming it, its owner and mode, and
 * the fix). A path with white space is refused too.
 */
export function ensurePool(dir: string): void {
  if (/\s/.test(dir))
    throw new ConfigError(
      `the worker pool folder ${JSON.stringify(dir)} contains white space; set WORKER_ORCD_JEST_POOL to a path without it`,
    );
  privateDir(dir);
  for (const sub of SUBDIRS) privateDir(join(dir, sub));
}

/**
 * True while a record's worker is alive and is the process the package
 * started: it carries the record's environment mark and runs as this user
 * (see `isProvenWorker`), and its start stamp is the recorded one. Only such
 * a worker is ever signalled, taken or attached to from a record.
 */
export function workerAlive(record: Pick<PoolRecord, "pid" | "mark" | "stamp">): boolean {
  return isProvenWorker(record.pid, record.mark) && isSameProcess(record.pid, record.stamp);
}

/** This process as a lease holder. */
export function me(): Holder {
  return { pid: process.pid, stamp: processStamp(process.pid) };
}

/** True when the holder is still the process that took the lease. */
export const holderAlive = (h: Holder) => isSameProcess(h.pid, h.stamp);

const holderName = (h: Holder) => `${h.pid}-${h.stamp ?? "x"}`;
function parseHolder(text: string): Holder | undefined {
  const m = /^(\d+)-(\w+)$/.exec(text);
  return m ? { pid: Number(m[1]), stamp: m[2] === "x" ? undefined : m[2] } : undefined;
}

const idlePath = (dir: string, id: string) => join(dir, "idle", `${id}.json`);
const leasedPath = (dir: string, id: string, h: Holder) => join(dir, "leased", `${id}@${holderName(h)}.json`);

/** Paths of a new worker's output files. */
export function outputPaths(dir: string, id: string): { stdout: string; stderr: string } {
  return { stdout: join(dir, "logs", `${id}.out`), stderr: join(dir, "logs", `${id}.err`) };
}

/** A fresh release marker path for one lease of worker `id` (see the watchdog's `release`). */
export function releasePath(dir: string, id: string, token: string): string {
  return join(dir, "released", `${id}-${token}`);
}

/**
 * A record as read from `dir`, when it is one the package could have
 * written (an id of its own form, a worker pid, a mark, a loopback URL);
 * its output files are always the pool's own for its id, whatever the file
 * says, so nothing outside the pool is ever followed or removed.
 */
function read(dir: string, path: string): PoolRecord | undefined {
  let record: PoolRecord;
  try {
    record = JSON.parse(readFileSync(path, "utf8")) as PoolRecord;
  } catch {
    return undefined;
  }
  if (!record || typeof record !== "object") return undefined;
  const port = record.port;
  const valid =
    typeof record.id === "string" &&
    RECORD_ID.test(record.id) &&
    isWorkerPid(record.pid) &&
    isMark(record.mark) &&
    Number.isInteger(port) &&
    port > 0 &&
    port < 65536 &&
    record.baseUrl === `http://127.0.0.1:${port}`;
  return valid ? { ...record, ...outputPaths(dir, record.id) } : undefined;
}

/** Every record of the pool, idle and leased (a record that cannot be read is removed). */
export function listPool(dir: string): PoolEntry[] {
  const entries: PoolEntry[] = [];
  for (const state of ["idle", "leased"] as const) {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, state)).filter((n) => n.endsWith(".json"));
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, state, name);
      const record = read(dir, path);
      if (!record) {
        // Written through a rename, so never half: a record that cannot be read is not one of ours.
        rmSync(path, { force: true });
        continue;
      }
      const holder = state === "leased" ? parseHolder(name.slice(name.indexOf("@") + 1, -5)) : undefined;
      entries.push({ record, state, path, holder });
    }
  }
  return entries;
}

/**
 * Takes an idle record for `holder` by renaming it into `leased/` (atomic:
 * of two takers, exactly one wins). Returns the leased entry, or undefined
 * when another took it first.
 */
export function claim(dir: string, entry: PoolEntry, holder: Holder = me()): PoolEntry | undefined {
  const to = leasedPath(dir, entry.record.id, holder);
  try {
    renameSync(entry.path, to);
  } catch {
    return undefined;
  }
  return { record: entry.record, state: "leased", path: to, holder };
}

/** Writes a record as idle (through a rename, so no reader sees it half-written). */
export function putIdle(dir: string, record: PoolRecord): void {
  replaceFile(idlePath(dir, record.id), JSON.stringify(record));
}

/** Writes a record as leased by this process (a worker this process started, before it is kept). */
export function putLeased(dir: string, record: PoolRecord): PoolEntry {
  const holder = me();
  const path = leasedPath(dir, record.id, holder);
  replaceFile(path, JSON.stringify(record));
  return { record, state: "leased", path, holder };
}

/**
 * Removes a record's file, and with `outputs` its output files: the pool's
 * own files for its id (never a path a record names), and only inside the
 * pool folder.
 */
export function drop(entry: Pick<PoolEntry, "path" | "record">, outputs = true): void {
  rmSync(entry.path, { force: true });
  const dir = dirname(dirname(entry.path)); // <pool>/<state>/<file>
  if (!outputs || !RECORD_ID.test(entry.record.id)) return;
  for (const path of Object.values(outputPaths(dir, entry.record.id))) rmSync(path, { force: true });
}

/**
 * Takes a lease's release marker (creates it, exclusively): true when this
 * process created it, so the lease's watchdog will let the worker live;
 * false when the watchdog created it first, because it is ending the worker,
 * or when it cannot be made (the pool's folder is gone): then the worker is
 * not handed back.
 */
export function takeRelease(path: string): boolean {
  try {
    createExclusive(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when worker `id` is, right now, idle in the pool or leased by a live
 * holder other than `except`: read afresh, not from an earlier listing.
 */
export function heldElsewhere(dir: string, id: string, except: Holder): boolean {
  if (existsSync(idlePath(dir, id))) return true;
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, "leased"));
  } catch {
    return false;
  }
  return names.some((name) => {
    if (!name.startsWith(`${id}@`) || !name.endsWith(".json")) return false;
    const holder = parseHolder(name.slice(id.length + 1, -5));
    return holder !== undefined && holderName(holder) !== holderName(except) && holderAlive(holder);
  });
}

/** Files in a pool part (`released`, `starting`) with their age in ms. */
export function aged(dir: string, part: "released" | "starting"): Array<{ path: string; ageMs: number }> {
  try {
    return readdirSync(join(dir, part)).flatMap((name) => {
      const path = join(dir, part, name);
      try {
        return [{ path, ageMs: Date.now() - statSync(path).mtimeMs }];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The holder written in a lock file, if it can be read. */
export function lockHolder(path: string): Holder | undefined {
  try {
    return parseHolder(readFileSync(path, "utf8").trim());
  } catch {
    return undefined;
  }
}

/** Creates a lock file for this process; false when another holds it. */
export function tryLock(path: string): boolean {
  try {
    writeFileSync(path, holderName(me()), { flag: "wx", mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}
