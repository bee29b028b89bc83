import type { TestAPI } from "vitest";
import type { WorkerGlobal } from "./dist/runner/worker-global.js";
import "./dist/vitest/typings.js";

/** The test file's worker: `execute`, `stream`, `health`, `cancel`, ... (the same object as Jest's global `worker`). */
export declare const worker: WorkerGlobal;
/** Vitest's `test` with a `worker` fixture: `test("...", async ({ worker }) => { ... })`. */
export declare const test: TestAPI<{ worker: WorkerGlobal }>;
/** The same as {@link test}. */
export declare const it: TestAPI<{ worker: WorkerGlobal }>;
/** A test that needs a real GPU, model and binary: skipped with the reason printed where they are missing (failed with `WORKER_ORCD_REQUIRE_GPU=1`). */
export declare function itGpu(name: string, fn?: () => unknown, timeout?: number): void;
/** A block of tests that need a real GPU, skipped or failed like {@link itGpu}. */
export declare function describeGpu(name: string, fn: () => void): void;
