import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";

/** A throw-away local user, for tests of what another user on the same machine can do. */
export interface OtherUser {
  name: string;
  uid: number;
  /** Runs `sh -c script` as this user (no standard input), with `env` added. */
  sh(script: string, env?: Record<string, string>): SpawnSyncReturns<string>;
  /** Ends every process of this user and removes the user. */
  remove(): void;
}

/**
 * Creates a throw-away user with `useradd` (acting as it with `runuser`), or
 * says why it cannot: the suite is not root, or the tools are missing.
 * CI runs as root, so there these tests run; elsewhere they skip with the
 * reason printed.
 */
export function createOtherUser(): OtherUser | string {
  if (process.getuid?.() !== 0)
    return "the suite does not run as root (CI does), so no second user can be made";
  for (const tool of ["useradd", "userdel", "runuser"])
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  const name = `wojest${randomBytes(3).toString("hex")}`;
  const made = spawnSync("useradd", ["--no-create-home", "--shell", "/bin/sh", name], { encoding: "utf8" });
  if (made.status !== 0) return `useradd ${name} failed: ${made.stderr.trim()}`;
  const uid = Number(spawnSync("id", ["-u", name], { encoding: "utf8" }).stdout.trim());
  return {
    name,
    uid,
    sh: (script, env = {}) =>
      spawnSync(
        "runuser",
        ["-u", name, "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "sh", "-c", script],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 },
      ),
    remove: () => {
      spawnSync("pkill", ["-KILL", "-u", name]);
      spawnSync("userdel", ["--force", name]);
    },
  };
}

/**
 * A world-writable, sticky folder, as `/tmp` is (outside the suite's own
 * TMPDIR, which only its user can enter), for a run's TMPDIR that another
 * user can reach; `remove` deletes it with everything in it.
 */
export function sharedTmp(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join("/tmp", "wojest-shared-"));
  chmodSync(dir, 0o1777);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
