import { readFileSync } from "node:fs";

/** How messages name a test file's own options under Vitest. */
export const FILE_OPTIONS_NAME = "@vitest-environment-options workerOrcd";

/**
 * A test file's own options: `workerOrcd` of its
 * `@vitest-environment-options {...}` docblock (`@jest-environment-options`
 * is read too), found by Vitest's own rule: the rest of that line is JSON.
 * Vitest hands these options only to the test environment, so the setup
 * file reads them from the file itself. Undefined when there are none (a
 * line that is not JSON has already failed the file, in Vitest's own words).
 */
export function fileOptionsOf(testPath: string): unknown {
  let text: string;
  try {
    text = readFileSync(testPath, "utf8");
  } catch {
    return undefined;
  }
  let json = /@(?:vitest|jest)-environment-options\s+(.+)/.exec(text)?.[1];
  if (json?.endsWith("*/")) json = json.slice(0, -2);
  if (!json) return undefined;
  try {
    return (JSON.parse(json) as Record<string, unknown> | null)?.workerOrcd;
  } catch {
    return undefined;
  }
}
