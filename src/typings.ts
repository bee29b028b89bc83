/**
 * Type augmentations: the global `worker`, and the matchers on Jest's
 * `Matchers` for users of `@types/jest` (global `expect`) and of
 * `@jest/globals` (`import { expect } from "@jest/globals"`).
 */

import type { WorkerOrcdMatchers } from "./matchers/types";
import type { WorkerGlobal } from "./runner/worker-global";

declare global {
  /** The test file's worker, started by the worker-orcd-jest environment. */
  var worker: WorkerGlobal;

  namespace jest {
    interface Matchers<R, T = {}> extends WorkerOrcdMatchers<R> {}
  }
}

declare module "expect" {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends WorkerOrcdMatchers<R> {}
}
