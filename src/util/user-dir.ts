import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";

/** This user's id (where the platform has one). */
const uid = (): number | undefined => process.getuid?.();

/**
 * This user's state folder under the system's temporary folder:
 * `<tmp>/worker-orcd-jest-<uid>`. It is only a path: {@link privateDir}
 * checks it before anything is read from it or written to it.
 */
export function userStateRoot(): string {
  return join(tmpdir(), `worker-orcd-jest-${uid() ?? "user"}`);
}

/** A part of this user's state folder: `<tmp>/worker-orcd-jest-<uid>/<name>` (a path; see {@link privateDir}). */
export function userTempDir(name: string): string {
  return join(userStateRoot(), name);
}

/**
 * A folder is unsafe for the package's state: another user owns it, others
 * can write to it, or it is a symbolic link. Its message names the folder,
 * its owner and mode, and the fix.
 */
export class UnsafeFolderError extends Error {
  override name = "UnsafeFolderError";
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** The name of a user id, from /etc/passwd where it can be read (else the id alone). */
function userName(id: number): string {
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.split(":")[2] === String(id));
    return line ? `uid ${id} (${line.split(":")[0]})` : `uid ${id}`;
  } catch {
    return `uid ${id}`;
  }
}

const FIX =
  "point TMPDIR (or the variable named) at a folder only you can write, e.g. $XDG_RUNTIME_DIR or ~/.cache/worker-orcd-jest";

function unsafe(path: string, why: string, st?: Stats): UnsafeFolderError {
  const facts = st ? ` (owner ${userName(st.uid)}, mode ${octal(st.mode)})` : "";
  return new UnsafeFolderError(
    `the state folder ${path}${facts} is not safe to use: ${why}. ` +
      `Another local user could use it to stop your processes, read your prompts or hand you their model; ` +
      `nothing was read from it. Remove it (as its owner or root), or ${FIX}`,
  );
}

/**
 * Why a folder is not one this user alone controls, or undefined when it is.
 * Where the platform has no user ids (Windows) every folder passes.
 */
function problemOf(st: Stats): string | undefined {
  const me = uid();
  if (st.isSymbolicLink()) return "it is a symbolic link";
  if (!st.isDirectory()) return "it is not a folder";
  if (me === undefined) return undefined;
  if (st.uid !== me) return `it belongs to another user, not to you (uid ${me})`;
  if (st.mode & 0o022) return "others can write to it";
  return undefined;
}

/**
 * An ancestor of a state folder lets others replace what is below it: it is
 * writable by group or others and not sticky (a sticky `/tmp` is fine: only
 * a folder's owner may rename or remove it there).
 */
function ancestorProblem(path: string): string | undefined {
  if (uid() === undefined) return undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch {
      return undefined;
    }
    const owner = st.uid === uid() || st.uid === 0;
    const openToOthers = (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0;
    if (!owner || openToOthers)
      return `the folder above it, ${dir} (owner ${userName(st.uid)}, mode ${octal(st.mode)}), lets ${
        owner ? "others" : "its owner"
      } rename or replace what is in it`;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Folders this process has already checked (a check is a few `lstat`s; a folder is asked for per record). */
const checked = new Set<string>();

/**
 * Makes sure `path` is a folder that this user alone controls, creating it
 * (and missing folders above it, mode 0700) where it does not exist, and
 * returns it. A folder of this user's with read bits for others is narrowed
 * to mode 0700 (earlier versions made 0755 folders); one that another user
 * owns, that others can write to, that is a symbolic link, or that sits
 * under a folder that lets others rename it, is an {@link UnsafeFolderError}
 * and is left as it is. A part of this user's state folder
 * ({@link userStateRoot}) has that folder checked first.
 */
export function privateDir(path: string): string {
  const dir = resolve(path);
  // A part of this user's state folder: that folder is checked first, so a foreign one is named as such.
  const root = resolve(userStateRoot());
  if (isInside(root, dir)) privateDir(root);
  if (checked.has(dir)) {
    // Still the folder that was checked: cheap to ask again (one lstat).
    try {
      const st = lstatSync(dir);
      if (problemOf(st) === undefined && (st.mode & 0o077) === 0) return dir;
    } catch {
      // gone: created again below
    }
    checked.delete(dir);
  }
  const parent = dirname(dir);
  if (parent !== dir) {
    try {
      lstatSync(parent);
    } catch {
      mkdirSync(parent, { recursive: true, mode: 0o700 });
    }
  }
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const st = lstatSync(dir);
  const problem = problemOf(st);
  if (problem) throw unsafe(dir, problem, st);
  const above = ancestorProblem(dir);
  if (above) throw unsafe(dir, above);
  if (uid() !== undefined && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  checked.add(dir);
  return dir;
}

/** True when `path` lies inside the folder `dir` (not the folder itself, and no `..` out of it). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Creates a file that did not exist (`O_EXCL`: never through a link, never
 * over another file), mode 0600, with `data`. Throws `EEXIST` where the name
 * is taken.
 */
export function createExclusive(path: string, data: string | Uint8Array = ""): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `path` whole, never half and never through a link: into a fresh
 * file of an unguessable name beside it (created exclusively), then renamed
 * over `path` (a rename replaces a link itself, not what it points at).
 */
export function replaceFile(path: string, data: string | Uint8Array): void {
  const part = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.part`;
  try {
    createExclusive(part, data);
    renameSync(part, path);
  } catch (error) {
    rmSync(part, { force: true });
    throw error;
  }
}
