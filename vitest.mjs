/**
 * `worker-orcd-jest/vitest`: what a Vitest test file imports. The file's
 * `worker` (the same object as Jest's global `worker`), `test` and `it` with
 * a `worker` fixture, `itGpu` and `describeGpu`; importing it also types the
 * matchers on Vitest's `expect`. The plugin is `worker-orcd-jest/vitest/config`.
 */
import { createRequire } from "node:module";
import { test as base, beforeAll, describe } from "vitest";

const require = createRequire(import.meta.url);
const runtime = require("./dist/vitest/runtime.js");
const gpu = require("./dist/vitest/gpu.js").gpuTests({ test: base, describe, beforeAll });

export const worker = runtime.worker;
export const test = base.extend({
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads which fixtures a function uses from its first parameter
  worker: async ({}, use) => {
    await use(runtime.worker);
  },
});
export const it = test;
export const itGpu = gpu.itGpu;
export const describeGpu = gpu.describeGpu;
