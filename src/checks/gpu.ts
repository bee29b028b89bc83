import { execFile } from "node:child_process";

/** One GPU as nvidia-smi reports it. */
export interface GpuInfo {
  index: number;
  name: string;
  memoryTotalMiB: number;
  memoryFreeMiB: number;
  driverVersion: string;
}

/** Result of GPU detection: the GPUs, or why there are none. */
export interface GpuReport {
  gpus: GpuInfo[];
  cudaVersion?: string;
  /** Why no GPU is usable; undefined when at least one was found. */
  reason?: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, encoding: "utf8", env: process.env },
      (error, stdout, stderr) => {
        if (error) {
          const e = error as NodeJS.ErrnoException & { killed?: boolean };
          if (e.code === "ENOENT") reject(new Error("nvidia-smi not found"));
          else if (e.killed) reject(new Error(`nvidia-smi did not answer within ${timeoutMs} ms`));
          else
            reject(new Error(`nvidia-smi failed: ${(stderr || stdout || e.message).trim().split("\n")[0]}`));
        } else resolve(stdout);
      },
    );
  });
}

/**
 * Detects GPUs with `nvidia-smi` (on PATH): index, name, total and free
 * memory, driver and CUDA version. Absent, failing or slow means "no GPU",
 * with the reason. Never throws.
 */
export async function detectGpus(timeoutMs = 5000): Promise<GpuReport> {
  try {
    const [csv, banner] = await Promise.all([
      run(
        "nvidia-smi",
        ["--query-gpu=index,name,memory.total,memory.free,driver_version", "--format=csv,noheader,nounits"],
        timeoutMs,
      ),
      run("nvidia-smi", [], timeoutMs).catch(() => ""),
    ]);
    const gpus = csv
      .split("\n")
      .map((line) => line.split(",").map((f) => f.trim()))
      .filter((f) => f.length >= 5 && /^\d+$/.test(f[0]))
      .map((f) => ({
        index: Number(f[0]),
        name: f[1],
        memoryTotalMiB: Number(f[2]),
        memoryFreeMiB: Number(f[3]),
        driverVersion: f[4],
      }));
    const cudaVersion = /CUDA Version:\s*([\d.]+)/.exec(banner)?.[1];
    if (gpus.length === 0) return { gpus, cudaVersion, reason: "nvidia-smi lists no GPU" };
    return { gpus, cudaVersion };
  } catch (error) {
    return { gpus: [], reason: (error as Error).message };
  }
}
