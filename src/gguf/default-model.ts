import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { userTempDir } from "../util/user-dir";
import { buildLlamaModel } from "./llama-model";

/** Seed of the model mode "llama" writes when no model is configured and the reference model is absent. */
export const DEFAULT_WRITTEN_SEED = 0;

/**
 * The path of the random-weights model (seed {@link DEFAULT_WRITTEN_SEED})
 * that mode "llama" uses by default, written once per user (atomically: the
 * global setup and each test file may ask at once) into
 * `WORKER_ORCD_JEST_MODELS`, else this user's `models` folder beside the
 * pool's under the temporary folder.
 */
export function writtenDefaultModel(
  dir = process.env.WORKER_ORCD_JEST_MODELS || userTempDir("models"),
): string {
  const path = join(dir, `random-seed-${DEFAULT_WRITTEN_SEED}.v1.gguf`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const part = `${path}.${process.pid}.part`;
  writeFileSync(part, buildLlamaModel({ seed: DEFAULT_WRITTEN_SEED }).bytes);
  renameSync(part, path);
  return path;
}
