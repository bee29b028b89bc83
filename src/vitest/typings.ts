/**
 * The matchers' typings for Vitest: `import "worker-orcd-jest/vitest"` (or
 * any import from it) adds them to Vitest's `Assertion`, so `tsc` checks
 * `expect(events).toCompleteSuccessfully()` in a Vitest test file.
 */
import type {} from "vitest";
import type { WorkerOrcdMatchers } from "../matchers/types";

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: Vitest declares Assertion<T = any>; a merged declaration must match it
  interface Assertion<T = any> extends WorkerOrcdMatchers<T> {}
}
