import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { clearTimeout, now, setTimeout } from "../util/clock";
import { timerDelay } from "../util/timers";

/** One GPU as nvidia-smi reports it. */
export interface GpuInfo {
  index: number;
  name: string;
  /** Total memory in MiB; `null` when nvidia-smi does not report it (`[N/A]`, `[Not Supported]`, ...). */
  memoryTotalMiB: number | null;
  /** Free memory in MiB; `null` when unknown. Unknown memory never blocks GPU tests (see {@link vramShortfall}). */
  memoryFreeMiB: number | null;
  driverVersion: string;
}

/** Result of GPU detection: the GPUs, or why there are none. */
export interface GpuReport {
  gpus: GpuInfo[];
  cudaVersion?: string;
  /** Why no GPU is usable; undefined when at least one was found. */
  reason?: string;
}

/** Most output read from nvidia-smi; a GPU list is a few hundred bytes. */
export const MAX_SMI_BYTES = 1024 * 1024;

const QUERY = [
  "--query-gpu=index,name,memory.total,memory.free,driver_version",
  "--format=csv,noheader,nounits",
];

/** A duration for a message: "5 s", "1.5 s" or "200 ms". */
function seconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}

/** Where `nvidia-smi` is on PATH (the first file of that name, runnable or not), or undefined. */
function locate(path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, "nvidia-smi");
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Runs nvidia-smi in its own process group with a hard deadline: at the
 * deadline the whole group is SIGKILLed (a wrapper script's children too, and
 * a process that ignores SIGTERM) and the answer is "did not answer within".
 * Output is bounded by {@link MAX_SMI_BYTES}.
 */
function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    let bytes = 0;
    let settled = false;
    const child = spawn(file, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const finish = (error: Error | undefined, value = "") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup();
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new Error(`nvidia-smi did not answer within ${seconds(timeoutMs)}`)),
      timerDelay(timeoutMs),
    );
    const take = (chunk: Buffer, into: "out" | "err") => {
      bytes += chunk.length;
      if (bytes > MAX_SMI_BYTES) {
        finish(new Error(`nvidia-smi printed more than ${MAX_SMI_BYTES} bytes, which is not a GPU list`));
        return;
      }
      if (into === "out") out += chunk.toString("utf8");
      else err += chunk.toString("utf8");
    };
    child.stdout.on("data", (c: Buffer) => take(c, "out"));
    child.stderr.on("data", (c: Buffer) => take(c, "err"));
    child.on("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EACCES"
          ? "it is not executable (chmod +x it, or fix PATH)"
          : error.code === "ENOENT"
            ? "the program it names as its interpreter (its #! line) was not found"
            : `${error.code ?? ""} ${error.message}`.trim();
      finish(new Error(`nvidia-smi at ${file} could not be run: ${why}`));
    });
    child.on("close", (code, signal) => {
      if (code === 0) return finish(undefined, out);
      const first = (err || out).trim().split("\n")[0]?.slice(0, 300) || "(no output)";
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      finish(new Error(`nvidia-smi failed (${how}): ${first}`));
    });
  });
}

/**
 * A memory field in MiB: a number, with or without a unit (`81559`,
 * `81559 MiB`, `80 GiB`); `null` for `[N/A]`, `[Not Supported]`,
 * `[Insufficient Permissions]` and anything else that is not a size.
 */
export function parseMiB(field: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(MiB|MB|GiB|GB)?$/i.exec(field.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return /^g/i.test(m[2] ?? "") ? Math.round(n * 1024) : Math.round(n);
}

/**
 * Parses the CSV of `--query-gpu=index,name,memory.total,memory.free,driver_version`:
 * the index is read from the front and the three last fields from the back,
 * so a GPU name with commas survives.
 */
export function parseGpuCsv(csv: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of csv.split("\n")) {
    const f = line.split(",").map((x) => x.trim());
    if (f.length < 5 || !/^\d+$/.test(f[0])) continue;
    const n = f.length;
    gpus.push({
      index: Number(f[0]),
      name: f.slice(1, n - 3).join(", "),
      memoryTotalMiB: parseMiB(f[n - 3]),
      memoryFreeMiB: parseMiB(f[n - 2]),
      driverVersion: f[n - 1],
    });
  }
  return gpus;
}

/**
 * Detects GPUs with `nvidia-smi` (on PATH): index, name, total and free
 * memory, driver and CUDA version. Absent, broken, failing or slow means "no
 * GPU", with the reason; the whole detection takes at most `timeoutMs`, and
 * nothing it started outlives it. Never throws.
 */
export async function detectGpus(timeoutMs = 5000): Promise<GpuReport> {
  const file = locate();
  if (!file) return { gpus: [], reason: "nvidia-smi not found" };
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return {
      gpus: [],
      reason: `nvidia-smi at ${file} could not be run: it is not executable (chmod +x it, or fix PATH)`,
    };
  }
  const deadline = now() + timeoutMs;
  try {
    const gpus = parseGpuCsv(await run(file, QUERY, timeoutMs));
    if (gpus.length === 0) return { gpus, reason: "nvidia-smi lists no GPU" };
    const left = Math.max(1, deadline - now());
    const banner = await run(file, [], left).catch(() => "");
    const cudaVersion = /CUDA Version:\s*([\d.]+)/.exec(banner)?.[1];
    return cudaVersion ? { gpus, cudaVersion } : { gpus };
  } catch (error) {
    return { gpus: [], reason: (error as Error).message };
  }
}

/** GPU memory held by a set of processes, as nvidia-smi's compute-apps list reports it. */
export interface GpuMemoryOfPids {
  /** MiB the listed processes hold, summed over every GPU; 0 when none of them holds any. */
  usedMiB: number;
  /** Which of the pids hold GPU memory. */
  holders: number[];
}

/**
 * The GPU memory `pids` hold (`nvidia-smi --query-compute-apps=pid,used_memory`),
 * or why it could not be read (no nvidia-smi, no GPU, a failure): a string.
 * Bounded by `timeoutMs`; never throws.
 */
export async function gpuMemoryOf(pids: number[], timeoutMs = 5000): Promise<GpuMemoryOfPids | string> {
  const file = locate();
  if (!file) return "nvidia-smi not found";
  try {
    const csv = await run(
      file,
      ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
      timeoutMs,
    );
    let usedMiB = 0;
    const holders: number[] = [];
    for (const line of csv.split("\n")) {
      const [pid, used] = line.split(",").map((x) => x.trim());
      if (!/^\d+$/.test(pid ?? "") || !pids.includes(Number(pid))) continue;
      holders.push(Number(pid));
      usedMiB += parseMiB(used ?? "") ?? 0;
    }
    return { usedMiB, holders };
  } catch (error) {
    return (error as Error).message;
  }
}
