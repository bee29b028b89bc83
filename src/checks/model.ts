import { accessSync, constants, statSync } from "node:fs";
import { type GgufHeader, readGgufHeader } from "./gguf";

/** Result of checking a model file. */
export interface ModelReport {
  path: string;
  ok: boolean;
  /** Why the model is not usable. */
  reason?: string;
  header?: GgufHeader;
  bytes?: number;
  /** The file's modification time when it was read. */
  mtimeMs?: number;
}

/**
 * Checks a model: exists, readable, a GGUF header with a known version. Never
 * throws. A report in `known` for the same path, size and modification time
 * (global setup's, shared with every file) is reused instead of reading the
 * header again.
 */
export function checkModel(path: string, known: ModelReport[] = []): ModelReport {
  try {
    const st = statSync(path);
    if (!st.isFile()) return { path, ok: false, reason: `model ${path} is not a file` };
    const same = known.find(
      (r) => r.ok && r.path === path && r.bytes === st.size && r.mtimeMs === st.mtimeMs,
    );
    if (same) return same;
    accessSync(path, constants.R_OK);
    const header = readGgufHeader(path);
    return { path, ok: true, header, bytes: st.size, mtimeMs: st.mtimeMs };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === "ENOENT") return { path, ok: false, reason: `model ${path} not found` };
    if (e.code === "EACCES") return { path, ok: false, reason: `model ${path} is not readable` };
    return { path, ok: false, reason: e.message };
  }
}

/**
 * Whether the model fits a GPU's free memory; undefined when it does, and
 * when the free memory is unknown (`null`: nvidia-smi said `[N/A]` or the
 * like): unknown memory is not a reason to skip, and the banner says it is
 * unknown.
 */
export function vramShortfall(model: ModelReport, freeMiB: number | null): string | undefined {
  if (!model.bytes || freeMiB === null) return undefined;
  const needMiB = Math.ceil(model.bytes / (1024 * 1024));
  return needMiB > freeMiB
    ? `model needs about ${needMiB} MiB of VRAM, the GPU has ${freeMiB} MiB free`
    : undefined;
}
