import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { basename } from "node:path";
import { fingerprintOf } from "../checks/fingerprint";
import type { GpuReport } from "../checks/gpu";
import { formatBytes } from "../util/bytes";
import { packageInfo } from "../util/package-info";
import type { TranscriptContext } from "./types";

/** sha256 of a file's first 64 KiB (a model's GGUF header), or undefined when it cannot be read. */
function headerHash(path: string): string | undefined {
  try {
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, 0);
      return createHash("sha256").update(buf.subarray(0, n)).digest("hex");
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** The context of a worker: what a transcript recorded with it says about where it came from. */
export function transcriptContext(
  worker: { kind: string; binary: string; model: string; device: number },
  gpu: GpuReport | undefined,
): TranscriptContext {
  const real = worker.kind === "real";
  let bytes: number | undefined;
  try {
    bytes = worker.model === "mock" ? undefined : statSync(worker.model).size;
  } catch {
    bytes = undefined;
  }
  const g = real ? gpu?.gpus.find((x) => x.index === worker.device) : undefined;
  return {
    kind: worker.kind,
    binary: worker.binary === "mock" ? "mock" : basename(worker.binary),
    model: {
      file: basename(worker.model),
      bytes,
      headerSha256: worker.model === "mock" ? undefined : headerHash(worker.model),
    },
    gpu: g ? { name: g.name, driver: g.driverVersion, cuda: gpu?.cudaVersion } : undefined,
    packageVersion: packageInfo().version,
    fingerprint: fingerprintOf({ binary: worker.binary, model: worker.model, device: worker.device, gpu }),
  };
}

/** One line for messages: `real worker-orcd, qwen.gguf (352 MiB), NVIDIA H200 driver 560 CUDA 12.6`. */
export function describeContext(c: TranscriptContext): string {
  const model = `${c.model.file}${c.model.bytes ? ` (${formatBytes(c.model.bytes)})` : ""}`;
  const gpu = c.gpu
    ? `, ${c.gpu.name}${c.gpu.driver ? ` driver ${c.gpu.driver}` : ""}${c.gpu.cuda ? ` CUDA ${c.gpu.cuda}` : ""}`
    : ", no GPU";
  return `${c.kind} ${c.binary}, ${model}${gpu}`;
}

/** What differs between two contexts (GPU, driver, CUDA, model, binary), empty when none does. */
export function contextDifferences(recorded: TranscriptContext, now: TranscriptContext): string[] {
  const out: string[] = [];
  const diff = (what: string, a: unknown, b: unknown) => {
    if ((a ?? "") !== (b ?? ""))
      out.push(`${what} ${JSON.stringify(a ?? null)} -> ${JSON.stringify(b ?? null)}`);
  };
  diff("kind", recorded.kind, now.kind);
  diff("binary", recorded.binary, now.binary);
  diff("model", recorded.model.file, now.model.file);
  diff("model header", recorded.model.headerSha256, now.model.headerSha256);
  diff("GPU", recorded.gpu?.name, now.gpu?.name);
  diff("driver", recorded.gpu?.driver, now.gpu?.driver);
  diff("CUDA", recorded.gpu?.cuda, now.gpu?.cuda);
  return out;
}
