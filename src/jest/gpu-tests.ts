import { getHandle } from "../run/handle";
import { gpuStatus, requiredError } from "../runner/gpu-status";

type TestFn = (...args: never[]) => unknown;
type It = ((name: string, fn?: TestFn, timeout?: number) => void) & {
  skip: (name: string, fn?: TestFn, timeout?: number) => void;
};
type Describe = ((name: string, fn: () => void) => void) & { skip: (name: string, fn: () => void) => void };

function jestGlobal<T>(name: "it" | "describe" | "beforeAll"): T {
  const fromGlobal = (globalThis as Record<string, unknown>)[name];
  if (fromGlobal) return fromGlobal as T;
  return (require("@jest/globals") as Record<string, unknown>)[name] as T;
}

/**
 * A test that needs a real GPU, model and worker binary. Where they are
 * missing it is skipped (and the file reports why once); with
 * `WORKER_ORCD_REQUIRE_GPU=1` it fails with the same reason instead.
 */
export function itGpu(name: string, fn?: TestFn, timeout?: number): void {
  const it = jestGlobal<It>("it");
  const status = gpuStatus();
  if (status.ready) it(name, fn, timeout);
  else if (status.requireGpu) {
    it(name, () => {
      throw requiredError(status.reason);
    });
  } else {
    getHandle()?.skippedGpuTests.push(name);
    it.skip(name, fn, timeout);
  }
}

/** A block of tests that need a real GPU; skipped (or failed) like {@link itGpu}. */
export function describeGpu(name: string, fn: () => void): void {
  const describe = jestGlobal<Describe>("describe");
  const status = gpuStatus();
  if (status.ready) describe(name, fn);
  else if (status.requireGpu) {
    describe(name, () => {
      jestGlobal<(fn: () => void) => void>("beforeAll")(() => {
        throw requiredError(status.reason);
      });
      fn();
    });
  } else {
    getHandle()?.skippedGpuBlocks.push(name);
    describe.skip(name, fn);
  }
}
