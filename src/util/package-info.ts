import { readFileSync } from "node:fs";
import { join } from "node:path";

let info: { name: string; version: string } | undefined;

/** This package's name and version, from its package.json (read once; "unknown" when it cannot be read). */
export function packageInfo(): { name: string; version: string } {
  if (info) return info;
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
    info = { name: String(pkg.name), version: String(pkg.version) };
  } catch {
    info = { name: "worker-orcd-jest", version: "unknown" };
  }
  return info;
}
