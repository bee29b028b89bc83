import { nearest } from "../util/suggest";

/** The docblock pragma that tags a whole file as needing a real GPU. */
export const GPU_PRAGMA = "requires-gpu";

/** Pragmas the preset reads (the second is Jest's, which the preset's options ride on). */
const KNOWN = [GPU_PRAGMA, "jest-environment-options"];
/** Jest's own pragmas, never warned about. */
const JEST_PRAGMAS = ["jest-environment", "jest-environment-options"];

/**
 * Warnings for docblock pragmas that look like a misspelled package pragma
 * (`@require-gpu`, `@requires-GPU`, `@jest-enviroment-options`): such a pragma
 * is ignored, so a GPU test would silently run against the mock.
 */
export function pragmaWarnings(pragmas: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(pragmas)) {
    if (KNOWN.includes(key) || JEST_PRAGMAS.includes(key)) continue;
    const match = nearest(key, KNOWN);
    if (match) warnings.push(`unknown pragma @${key} is ignored (did you mean @${match}?)`);
  }
  return warnings;
}

/** The `workerOrcd` object of a file's `@jest-environment-options` docblock (Jest fails the file on bad JSON). */
export function docblockOptions(pragmas: Record<string, string | string[]>): unknown {
  const raw = pragmas["jest-environment-options"];
  if (typeof raw !== "string") return undefined;
  try {
    return (JSON.parse(raw) as Record<string, unknown>)?.workerOrcd;
  } catch {
    return undefined;
  }
}
