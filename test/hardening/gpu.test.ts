import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { detectGpus, parseGpuCsv, parseMiB } from "../../src/checks/gpu";
import { vramShortfall } from "../../src/checks/model";
import { isAlive } from "../../src/worker/processes";
import { useFakeSmi } from "../helpers/smi";
import { waitFor } from "../helpers/wait";

/** Puts a fake nvidia-smi first on PATH; returns its folder. */
const fakeSmi = useFakeSmi();

describe("nvidia-smi that hangs, floods or is broken", () => {
  it("answers at the deadline and kills the whole group, even a wrapper that ignores SIGTERM", async () => {
    const dir = fakeSmi(`#!/bin/sh\ntrap "" TERM\nsleep 90 &\necho $$ $! >> "$(dirname "$0")/pids"\nwait\n`);
    const t0 = performance.now();
    const report = await detectGpus(400);
    expect(performance.now() - t0).toBeLessThan(10_000); // at the deadline, not at the script's end (90 s)
    expect(report).toEqual({ gpus: [], reason: "nvidia-smi did not answer within 400 ms" });
    const pids = readFileSync(join(dir, "pids"), "utf8").trim().split(/\s+/).map(Number);
    expect(pids).toHaveLength(2); // run once, not twice in parallel
    // The group was sent SIGKILL at the deadline; the kernel reaps it a moment later.
    await waitFor(() => pids.every((pid) => !isAlive(pid)), "the nvidia-smi group to be gone", 30_000);
  });

  it("says so in seconds for the default deadline", async () => {
    fakeSmi(`#!/bin/sh\nexec sleep 30\n`);
    const report = await detectGpus(1500);
    expect(report.reason).toBe("nvidia-smi did not answer within 1.5 s");
  });

  it("fails clearly on output over 1 MiB instead of taking its first line", async () => {
    fakeSmi(`#!/bin/sh\nyes "0, flood, 1, 1, 1" | head -c 3000000\n`);
    expect((await detectGpus()).reason).toBe(
      "nvidia-smi printed more than 1048576 bytes, which is not a GPU list",
    );
  });

  it("says what was found and why it could not run", async () => {
    const bad = fakeSmi(`#!/nonexistent/interpreter\n`);
    expect((await detectGpus()).reason).toBe(
      `nvidia-smi at ${bad}/nvidia-smi could not be run: the program it names as its interpreter (its #! line) was not found`,
    );
    const plain = fakeSmi(`#!/bin/sh\necho hi\n`, 0o644);
    expect((await detectGpus()).reason).toBe(
      `nvidia-smi at ${plain}/nvidia-smi could not be run: it is not executable (chmod +x it, or fix PATH)`,
    );
  });
});

describe("memory fields and names as real nvidia-smi prints them", () => {
  it("reads [N/A], [Not Supported], [Insufficient Permissions] as unknown and accepts unit suffixes", () => {
    for (const na of ["[N/A]", "[Not Supported]", "[Insufficient Permissions]", "", "N/A"])
      expect(parseMiB(na)).toBeNull();
    expect(parseMiB("81559")).toBe(81559);
    expect(parseMiB("81559 MiB")).toBe(81559);
    expect(parseMiB("80 GiB")).toBe(81920);
  });

  it("keeps a GPU name with commas whole, reading the numbers from both ends", () => {
    expect(parseGpuCsv("0, NVIDIA A100-SXM4-80GB, rev 2, PCIe, 81920, 80000, 550.54.15\n")).toEqual([
      {
        index: 0,
        name: "NVIDIA A100-SXM4-80GB, rev 2, PCIe",
        memoryTotalMiB: 81920,
        memoryFreeMiB: 80000,
        driverVersion: "550.54.15",
      },
    ]);
  });

  it("makes one decision for unknown memory: it does not block GPU tests, and is shown as unknown", async () => {
    fakeSmi(
      `#!/bin/sh\ncase "$1" in --query-gpu*) echo "0, NVIDIA GH200 480GB, [N/A], [Insufficient Permissions], 560.35";; *) echo "CUDA Version: 12.6";; esac\n`,
    );
    const report = await detectGpus();
    expect(report.gpus[0]).toMatchObject({
      memoryTotalMiB: null,
      memoryFreeMiB: null,
      name: "NVIDIA GH200 480GB",
    });
    expect(JSON.parse(JSON.stringify(report)).gpus[0].memoryFreeMiB).toBeNull();
    expect(vramShortfall({ path: "m", ok: true, bytes: 1 << 30 }, null)).toBeUndefined();
    expect(vramShortfall({ path: "m", ok: true, bytes: 1 << 30 }, 100)).toMatch(/needs about 1024 MiB/);
  });
});
