import type { Circus } from "@jest/types";
import type { ResolvedOptions } from "../config/options";
import type { EnvironmentHandle } from "../run/handle";
import type { WorkerPlan } from "../scope/plan";
import { GPU_PRAGMA } from "./pragmas";
import { countSkippedGpuTests, markAllSkipped } from "./test-tree";

/** What the GPU checks leave of a file about to run. */
export type GpuGate =
  /** Its tests run (GPU-tagged ones that cannot were skipped and said so). */
  | { run: true }
  /** None of its tests run: the file is tagged and every test was skipped, said so. */
  | { run: false }
  /** Its tests fail with this error: tagged, no GPU, and `WORKER_ORCD_REQUIRE_GPU=1` forbids skipping. */
  | { run: false; failure: Error };

/**
 * Applies GPU tagging at the start of a file's run: a file tagged
 * `@requires-gpu` (docblock) skips whole, or fails under
 * `WORKER_ORCD_REQUIRE_GPU=1`, where no GPU, model and binary are usable;
 * tests tagged by `itGpu`/`describeGpu` skip. Each skip prints one line
 * with the reason.
 */
export function gateGpu(
  state: Circus.State,
  o: {
    tagged: boolean;
    plan: WorkerPlan;
    options: ResolvedOptions;
    file: string;
    handle: EnvironmentHandle;
  },
): GpuGate {
  const { plan, file } = o;
  const say = (n: number) =>
    process.stderr.write(`worker-orcd-jest: ${file}: skipped ${n} GPU test(s): ${plan.gpuSkipReason}\n`);
  if (o.tagged && !plan.gpuReady) {
    if (o.options.requireGpu) {
      const failure = new Error(
        `${file} is tagged @${GPU_PRAGMA} and cannot run, and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it: ${plan.gpuSkipReason}`,
      );
      return { run: false, failure };
    }
    say(markAllSkipped(state.rootDescribeBlock));
    return { run: false };
  }
  const skipped = countSkippedGpuTests(state, o.handle.skippedGpuTests, o.handle.skippedGpuBlocks);
  if (skipped > 0) say(skipped);
  return { run: true };
}
