import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { packageInfo } from "../util/package-info";
import { createExclusive, privateDir, userTempDir } from "../util/user-dir";
import { FILE_TYPES, readGgufHeader } from "./gguf";
import type { GpuReport } from "./gpu";

/**
 * What ran, as a run report, a transcript or a conformance report records
 * it: the figures of two runs can be compared only where what decides
 * performance (GPU, driver, worker binary, model) was the same.
 */
export interface Fingerprint {
  /** The GPU the worker ran on, from nvidia-smi; null without one (`gpuNote` says why). */
  gpu: { name: string; driver?: string; cuda?: string; memoryTotalMiB: number | null } | null;
  gpuNote?: string;
  /** The worker: its binary's path, size and sha256 (`"mock"` for the bundled mock, a URL when attached), and what `/health` says of its build. */
  binary: { path: string; bytes?: number; sha256?: string; build?: Record<string, unknown> };
  /** The model file: path, size, sha256, and the architecture and quantization its GGUF header names. */
  model: { path: string; bytes?: number; sha256?: string; architecture?: string; quantization?: string };
  /** The worker's command line, when the package started it. */
  command?: string;
  /** Names (never values) of the environment variables the run set for the worker. */
  envNames: string[];
  versions: { node: string; jest?: string; package: string };
}

/** What a fingerprint is taken from. */
export interface FingerprintInput {
  binary: string;
  model: string;
  device: number;
  gpu?: GpuReport;
  command?: string;
  envNames?: string[];
  /** The worker's `/health` body when it was ready. */
  health?: unknown;
}

/** `/health` fields that change while a worker runs: not part of what it is. */
const VOLATILE = new Set(["status", "uptime_seconds", "vram_bytes_used", "vram_bytes", "resident"]);

const CHUNK = 1 << 20;

/** Where file hashes are kept, by path, size and mtime: `<tmp>/worker-orcd-jest-<uid>/hashes`. */
function hashDir(): string {
  return process.env.WORKER_ORCD_JEST_HASHES ?? userTempDir("hashes");
}

/**
 * The sha256 of a file, read once and kept (by path, size and modification
 * time) in this user's private state folder, so a 400 MB model is hashed
 * once, not at every run; undefined when the file cannot be read.
 */
export function fileSha256(path: string): string | undefined {
  let key: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) return undefined;
    key = createHash("sha256").update(`${path}\0${st.size}\0${st.mtimeMs}`).digest("hex").slice(0, 40);
  } catch {
    return undefined;
  }
  let dir: string | undefined;
  try {
    dir = privateDir(hashDir());
    const kept = readFileSync(join(dir, key), "utf8").trim();
    if (/^[0-9a-f]{64}$/.test(kept)) return kept;
  } catch {
    // not kept yet, or no private folder: hashed now
  }
  const sha = hashFile(path);
  if (sha && dir) {
    try {
      createExclusive(join(dir, key), sha);
    } catch {
      // another process kept it first
    }
  }
  return sha;
}

function hashFile(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const hash = createHash("sha256");
    const buf = Buffer.alloc(CHUNK);
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null))
      hash.update(buf.subarray(0, n));
    return hash.digest("hex");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function jestVersion(): string | undefined {
  for (const name of ["jest/package.json", "@jest/core/package.json"]) {
    try {
      return (require(name) as { version: string }).version;
    } catch {
      // not installed here
    }
  }
  return undefined;
}

const bytesOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
};

/** Takes the fingerprint of a worker: hashes are read from the cache where the file is unchanged. */
export function fingerprintOf(input: FingerprintInput): Fingerprint {
  const gpu = input.gpu?.gpus.find((g) => g.index === input.device) ?? undefined;
  const local = input.binary !== "mock" && !/^https?:\/\//.test(input.binary);
  const build =
    input.health && typeof input.health === "object"
      ? Object.fromEntries(Object.entries(input.health).filter(([k]) => !VOLATILE.has(k)))
      : undefined;
  const binary: Fingerprint["binary"] = local
    ? { path: input.binary, bytes: bytesOf(input.binary), sha256: fileSha256(input.binary) }
    : { path: input.binary };
  if (input.binary === "mock") binary.sha256 = `mock ${packageInfo().version}`;
  if (build && Object.keys(build).length > 0) binary.build = build;
  const model: Fingerprint["model"] = { path: input.model };
  if (input.model !== "mock") {
    model.bytes = bytesOf(input.model);
    model.sha256 = fileSha256(input.model);
    try {
      const header = readGgufHeader(input.model);
      if (header.architecture) model.architecture = header.architecture;
      if (header.fileType !== undefined)
        model.quantization = FILE_TYPES[header.fileType] ?? `file type ${header.fileType}`;
    } catch {
      // not a GGUF file: its hash still names it
    }
  }
  return {
    gpu: gpu
      ? {
          name: gpu.name,
          driver: gpu.driverVersion,
          ...(input.gpu?.cudaVersion ? { cuda: input.gpu.cudaVersion } : {}),
          memoryTotalMiB: gpu.memoryTotalMiB,
        }
      : null,
    ...(gpu ? {} : { gpuNote: input.gpu?.reason ?? `no GPU ${input.device} was detected` }),
    binary,
    model,
    ...(input.command ? { command: input.command } : {}),
    envNames: [...(input.envNames ?? [])].sort(),
    versions: { node: process.version, jest: jestVersion(), package: packageInfo().version },
  };
}

/**
 * What differs between two fingerprints in what decides performance: the
 * GPU, its driver, the worker binary and the model (by hash where both have
 * one, else by path); one line each, empty when they agree.
 */
export function decisiveDifferences(a: Fingerprint, b: Fingerprint): string[] {
  const out: string[] = [];
  const gpu = (f: Fingerprint) => f.gpu?.name ?? "no GPU";
  if (gpu(a) !== gpu(b)) out.push(`GPU: ${gpu(a)} vs ${gpu(b)}`);
  else if ((a.gpu?.driver ?? "") !== (b.gpu?.driver ?? ""))
    out.push(`GPU driver: ${a.gpu?.driver ?? "?"} vs ${b.gpu?.driver ?? "?"}`);
  const same = (x: { path: string; sha256?: string }, y: { path: string; sha256?: string }) =>
    x.sha256 && y.sha256 ? x.sha256 === y.sha256 : x.path === y.path;
  const name = (x: { path: string; sha256?: string }) =>
    `${x.path}${x.sha256 && !x.sha256.startsWith("mock") ? ` (sha256 ${x.sha256.slice(0, 12)})` : x.sha256 ? ` (${x.sha256})` : ""}`;
  if (!same(a.binary, b.binary)) out.push(`worker binary: ${name(a.binary)} vs ${name(b.binary)}`);
  if (!same(a.model, b.model)) out.push(`model: ${name(a.model)} vs ${name(b.model)}`);
  return out;
}
