import { existsSync } from "node:fs";
import { join } from "node:path";
import { privateDir, replaceFile, userTempDir } from "../util/user-dir";
import { buildLlamaModel } from "./llama-model";

/** Seed of the model mode "llama" writes when no model is configured and the reference model is absent. */
export const DEFAULT_WRITTEN_SEED = 0;

/**
 * The path of the random-weights model (seed {@link DEFAULT_WRITTEN_SEED})
 * that mode "llama" uses by default, written once per user into
 * `WORKER_ORCD_JEST_MODELS`, else this user's `models` folder beside the
 * pool's under the temporary folder. The folder is checked to be this
 * user's alone before the model is looked for (`UnsafeFolderError`
 * otherwise: another user's file is never loaded), and the model is written
 * whole through an exclusively created file of an unguessable name (the
 * global setup and each test file may ask at once).
 */
export function writtenDefaultModel(dir?: string): string {
  const folder = privateDir(dir ?? (process.env.WORKER_ORCD_JEST_MODELS || userTempDir("models")));
  const path = join(folder, `random-seed-${DEFAULT_WRITTEN_SEED}.v1.gguf`);
  if (existsSync(path)) return path;
  replaceFile(path, buildLlamaModel({ seed: DEFAULT_WRITTEN_SEED }).bytes);
  return path;
}
