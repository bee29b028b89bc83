import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Result of checking a worker binary. */
export interface BinaryReport {
  path?: string;
  ok: boolean;
  reason?: string;
}

/** Finds `worker-orcd` on PATH. */
export function findOnPath(name = "worker-orcd", path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (checkBinary(candidate).ok) return candidate;
  }
  return undefined;
}

/** Checks that a binary exists, is a file and is executable. Never throws. */
export function checkBinary(path: string | undefined): BinaryReport {
  if (!path)
    return {
      ok: false,
      reason: "no worker binary configured (set WORKER_ORCD_BIN, or put worker-orcd on PATH)",
    };
  try {
    if (!statSync(path).isFile()) return { path, ok: false, reason: `worker binary ${path} is not a file` };
    accessSync(path, constants.X_OK);
    return { path, ok: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      path,
      ok: false,
      reason:
        code === "ENOENT"
          ? `worker binary ${path} not found`
          : `worker binary ${path} is not executable (chmod +x it)`,
    };
  }
}
