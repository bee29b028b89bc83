import { envFlag } from "../config/booleans";
import { type GpuStatus, getHandle } from "../run/handle";

/** GPU status of the current file; outside the preset's environment (or the Vitest plugin's), GPU tests cannot run. */
export function gpuStatus(): GpuStatus {
  return (
    getHandle()?.gpu ?? {
      ready: false,
      reason:
        'the worker-orcd-jest environment is not active (use preset: "worker-orcd-jest", or the workerOrcd() plugin under Vitest)',
      requireGpu: envFlag(process.env, "WORKER_ORCD_REQUIRE_GPU"),
    }
  );
}

/** The error of a GPU test that cannot run where `WORKER_ORCD_REQUIRE_GPU=1` forbids skipping it. */
export function requiredError(reason: string | undefined): Error {
  return new Error(`GPU test cannot run and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it: ${reason}`);
}
