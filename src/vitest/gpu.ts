import { getHandle } from "../run/handle";
import { gpuStatus, requiredError } from "../runner/gpu-status";

type TestFn = (...args: never[]) => unknown;
type Test = ((name: string, fn?: TestFn, timeout?: number) => void) & {
  skip: (name: string, fn?: TestFn, timeout?: number) => void;
};
type Describe = ((name: string, fn: () => void) => void) & { skip: (name: string, fn: () => void) => void };

/**
 * `itGpu` and `describeGpu` over Vitest's `test`, `describe` and
 * `beforeAll`: the same rule as under Jest (run where a GPU, the model and
 * the binary are all there; else skipped, and the file's skipped names
 * noted; with `WORKER_ORCD_REQUIRE_GPU=1`, failed with the reason).
 */
export function gpuTests(v: { test: Test; describe: Describe; beforeAll: (fn: () => unknown) => void }): {
  itGpu: (name: string, fn?: TestFn, timeout?: number) => void;
  describeGpu: (name: string, fn: () => void) => void;
} {
  return {
    itGpu(name, fn, timeout) {
      const status = gpuStatus();
      if (status.ready) v.test(name, fn, timeout);
      else if (status.requireGpu)
        v.test(name, () => {
          throw requiredError(status.reason);
        });
      else {
        getHandle()?.skippedGpuTests.push(name);
        process.stderr.write(`worker-orcd-jest: GPU test "${name}" skipped: ${status.reason}\n`);
        v.test.skip(name, fn, timeout);
      }
    },
    describeGpu(name, fn) {
      const status = gpuStatus();
      if (status.ready) v.describe(name, fn);
      else if (status.requireGpu)
        v.describe(name, () => {
          v.beforeAll(() => {
            throw requiredError(status.reason);
          });
          fn();
        });
      else {
        getHandle()?.skippedGpuBlocks.push(name);
        process.stderr.write(`worker-orcd-jest: GPU tests "${name}" skipped: ${status.reason}\n`);
        v.describe.skip(name, fn);
      }
    },
  };
}
