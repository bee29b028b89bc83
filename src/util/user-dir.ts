import { tmpdir } from "node:os";
import { join } from "node:path";

/** A folder of this user's under the system's temporary folder: `<tmp>/worker-orcd-jest-<uid>/<name>`. */
export function userTempDir(name: string): string {
  return join(tmpdir(), `worker-orcd-jest-${process.getuid?.() ?? "user"}`, name);
}
