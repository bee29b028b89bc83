import { describe, expect, it } from "@jest/globals";
import { detectGpus } from "../../src/checks/gpu";
import { useFakeSmi } from "../helpers/smi";

const smi = useFakeSmi();
const fakeSmi = (script: string) => smi(`#!/bin/sh\n${script}\n`);

describe("GPU detection with nvidia-smi", () => {
  it("parses GPUs, memory, driver and CUDA version", async () => {
    fakeSmi(
      `case "$1" in --query-gpu*) printf '0, NVIDIA H100 80GB HBM3, 81559, 80000, 550.54\\n1, NVIDIA H100 80GB HBM3, 81559, 100, 550.54\\n';; *) echo "CUDA Version: 12.4";; esac`,
    );
    await expect(detectGpus()).resolves.toEqual({
      gpus: [
        {
          index: 0,
          name: "NVIDIA H100 80GB HBM3",
          memoryTotalMiB: 81559,
          memoryFreeMiB: 80000,
          driverVersion: "550.54",
        },
        {
          index: 1,
          name: "NVIDIA H100 80GB HBM3",
          memoryTotalMiB: 81559,
          memoryFreeMiB: 100,
          driverVersion: "550.54",
        },
      ],
      cudaVersion: "12.4",
    });
  });

  it("reports no GPU with the reason when nvidia-smi is missing, fails, hangs or lists none", async () => {
    process.env.PATH = "/nonexistent";
    await expect(detectGpus()).resolves.toEqual({ gpus: [], reason: "nvidia-smi not found" });
    fakeSmi(
      'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver" >&2; exit 9',
    );
    await expect(detectGpus()).resolves.toEqual({
      gpus: [],
      reason:
        "nvidia-smi failed (exited with code 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver",
    });
    fakeSmi("exec sleep 5");
    await expect(detectGpus(200)).resolves.toEqual({
      gpus: [],
      reason: "nvidia-smi did not answer within 200 ms",
    });
    fakeSmi("exit 0");
    await expect(detectGpus()).resolves.toMatchObject({ gpus: [], reason: "nvidia-smi lists no GPU" });
  });
});
