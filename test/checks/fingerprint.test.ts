import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import {
  decisiveDifferences,
  type Fingerprint,
  fileSha256,
  fingerprintOf,
} from "../../src/checks/fingerprint";
import { buildGgufHeader } from "../../src/checks/gguf";

const dir = mkdtempSync(join(tmpdir(), "wojest-fingerprint-"));
const hashes = join(dir, "hashes");
process.env.WORKER_ORCD_JEST_HASHES = hashes;
afterAll(() => {
  delete process.env.WORKER_ORCD_JEST_HASHES;
  rmSync(dir, { recursive: true, force: true });
});
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
/** A GGUF header with `general.file_type` = 15 (Q4_K_M), written the way the real writers write it. */
function modelFile(name: string): string {
  const header = buildGgufHeader("qwen2");
  const key = Buffer.from("general.file_type");
  const entry = Buffer.alloc(8 + key.length + 8);
  entry.writeBigUInt64LE(BigInt(key.length), 0);
  key.copy(entry, 8);
  entry.writeUInt32LE(4, 8 + key.length); // u32
  entry.writeUInt32LE(15, 12 + key.length);
  const count = header.readBigUInt64LE(16);
  header.writeBigUInt64LE(count + 1n, 16);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([header, entry]));
  return path;
}

describe("fingerprint of what ran", () => {
  it("names GPU, driver, CUDA, the binary's and model's sha256, architecture and quantization, env names and versions", () => {
    const binary = join(dir, "worker-orcd");
    writeFileSync(binary, "#!/bin/sh\necho build 1\n");
    const model = modelFile("m.gguf");
    const f = fingerprintOf({
      binary,
      model,
      device: 1,
      gpu: {
        gpus: [
          { index: 0, name: "A", memoryTotalMiB: 1, memoryFreeMiB: 1, driverVersion: "1" },
          {
            index: 1,
            name: "NVIDIA H100",
            memoryTotalMiB: 81559,
            memoryFreeMiB: 80000,
            driverVersion: "550.54",
          },
        ],
        cudaVersion: "12.4",
      },
      command: `${binary} --port 1`,
      envNames: ["Z_VAR", "A_VAR"],
      health: {
        status: "healthy",
        uptime_seconds: 3,
        vram_bytes_used: 9,
        model: "m.gguf",
        quant_kind: "Q4_K_M",
      },
    });
    expect(f).toEqual({
      gpu: { name: "NVIDIA H100", driver: "550.54", cuda: "12.4", memoryTotalMiB: 81559 },
      binary: {
        path: binary,
        bytes: 23,
        sha256: sha(binary),
        build: { model: "m.gguf", quant_kind: "Q4_K_M" },
      },
      model: {
        path: model,
        bytes: readFileSync(model).length,
        sha256: sha(model),
        architecture: "qwen2",
        quantization: "Q4_K_M",
      },
      command: `${binary} --port 1`,
      envNames: ["A_VAR", "Z_VAR"],
      versions: { node: process.version, jest: expect.stringMatching(/^\d+\./), package: expect.any(String) },
    });
    const mock = fingerprintOf({
      binary: "mock",
      model: "mock",
      device: 0,
      gpu: { gpus: [], reason: "nvidia-smi not found" },
    });
    expect(mock).toMatchObject({
      gpu: null,
      gpuNote: "nvidia-smi not found",
      binary: { path: "mock", sha256: expect.stringMatching(/^mock \d/) },
      model: { path: "mock" },
    });
  });

  it("hashes a file once, keeping the hash by path, size and modification time; a changed file is hashed again", () => {
    const model = modelFile("cached.gguf");
    // Bytes of its own, so that no other file of this test shares its hash (and its kept entry is the one found).
    writeFileSync(model, Buffer.concat([readFileSync(model), Buffer.from("cached")]));
    expect(fileSha256(model)).toBe(sha(model));
    const kept = readdirSync(hashes).filter((n) => readFileSync(join(hashes, n), "utf8") === sha(model));
    expect(kept).toHaveLength(1);
    // The kept hash is what later calls return: the file is not read again while it is unchanged.
    writeFileSync(join(hashes, kept[0]), "f".repeat(64));
    expect(fileSha256(model)).toBe("f".repeat(64));
    utimesSync(model, new Date(), new Date(Date.now() + 5_000));
    expect(fileSha256(model)).toBe(sha(model));
    expect(fileSha256(join(dir, "missing"))).toBeUndefined();
  });

  it("differs decisively in GPU, driver, binary or model, and in nothing else", () => {
    const base: Fingerprint = {
      gpu: { name: "H100", driver: "550", memoryTotalMiB: 1 },
      binary: { path: "/a/worker-orcd", sha256: "a".repeat(64) },
      model: { path: "/m.gguf", sha256: "b".repeat(64) },
      envNames: [],
      versions: { node: "v20", package: "1" },
    };
    expect(
      decisiveDifferences(base, { ...base, envNames: ["X"], versions: { node: "v22", package: "2" } }),
    ).toEqual([]);
    // The same binary at another path is the same build.
    expect(
      decisiveDifferences(base, { ...base, binary: { path: "/b/worker-orcd", sha256: "a".repeat(64) } }),
    ).toEqual([]);
    expect(
      decisiveDifferences(base, {
        ...base,
        gpu: { name: "H100", driver: "560", memoryTotalMiB: 1 },
        binary: { path: "/a/worker-orcd", sha256: "c".repeat(64) },
        model: { path: "/m.gguf", sha256: "d".repeat(64) },
      }),
    ).toEqual([
      "GPU driver: 550 vs 560",
      `worker binary: /a/worker-orcd (sha256 aaaaaaaaaaaa) vs /a/worker-orcd (sha256 cccccccccccc)`,
      "model: /m.gguf (sha256 bbbbbbbbbbbb) vs /m.gguf (sha256 dddddddddddd)",
    ]);
    expect(decisiveDifferences(base, { ...base, gpu: null })).toEqual(["GPU: H100 vs no GPU"]);
  });
});
