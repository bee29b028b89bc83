import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "@jest/globals";
import { REPO } from "./jest-run";

/** The folder scripts/install-llama.js installs node-llama-cpp into (outside the lock file). */
export const LLAMA_DIR = join(REPO, ".llama");
export const HAVE_LLAMA = existsSync(join(LLAMA_DIR, "node_modules", "node-llama-cpp", "package.json"));

/** Why node-llama-cpp is not there, as the installer wrote it. */
function whyNot(): string {
  try {
    return readFileSync(join(LLAMA_DIR, "UNAVAILABLE"), "utf8").trim();
  } catch {
    return `${LLAMA_DIR} has no node-llama-cpp (npm test installs it: node scripts/install-llama.js)`;
  }
}

/** `describe` for llama engine tests: runs where node-llama-cpp is installed, else skips with the reason printed. */
export function describeLlama(name: string, fn: () => void): void {
  if (HAVE_LLAMA) {
    describe(name, fn);
    return;
  }
  process.stderr.write(`llama engine tests skipped (${name}): ${whyNot()}\n`);
  describe.skip(name, fn);
}
