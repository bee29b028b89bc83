import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { buildGgufHeader, GgufError, readGgufHeader } from "../../src/checks/gguf";
import { checkModel } from "../../src/checks/model";

const dir = mkdtempSync(join(tmpdir(), "gguf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer);
const u64 = (n: bigint) => Buffer.from(BigUint64Array.of(n).buffer);
/** A GGUF header start (magic, version, tensor count, metadata count) followed by `rest`. */
const header = (version: number, tensors: bigint, kvs: bigint, ...rest: Buffer[]) =>
  Buffer.concat([Buffer.from("GGUF"), u32(version), u64(tensors), u64(kvs), ...rest]);

describe("GGUF header reader", () => {
  it("reads version, counts and general.architecture", () => {
    const h = readGgufHeader(file("ok.gguf", buildGgufHeader("qwen2", { "general.name": "Qwen" })));
    expect(h).toMatchObject({ version: 3, tensorCount: 0n, metadataCount: 2n, architecture: "qwen2" });
  });

  it("skips other keys and arrays before the architecture", () => {
    const key = (k: string) => Buffer.concat([u64(BigInt(k.length)), Buffer.from(k)]);
    const data = header(
      2,
      0n,
      3n,
      key("general.alignment"),
      u32(4),
      u32(32),
      key("tokenizer.ggml.tokens"),
      u32(9),
      u32(8),
      u64(2n),
      key("a"),
      key("bc"),
      key("general.architecture"),
      u32(8),
      key("llama"),
    );
    expect(readGgufHeader(file("arr.gguf", data))).toMatchObject({ version: 2, architecture: "llama" });
  });

  const hostile: [string, Buffer, RegExp][] = [
    ["an empty file", Buffer.alloc(0), /not a GGUF file/],
    ["a wrong magic", Buffer.from("GGML\x03\x00\x00\x00"), /does not start with the magic "GGUF"/],
    ["an unsupported version", header(7, 0n, 0n), /unsupported GGUF version 7/],
    [
      "a truncated header",
      Buffer.concat([Buffer.from("GGUF"), u32(3), u64(0n)]),
      /truncated or corrupt GGUF header.*metadata count/,
    ],
    ["a huge metadata count", header(3, 0n, 2n ** 62n), /metadata entries cannot fit/],
    ["a huge tensor count", header(3, 2n ** 60n, 0n), /tensors cannot fit/],
    [
      "a key length past the end",
      header(3, 0n, 1n, u64(2n ** 40n), Buffer.from("x")),
      /metadata key #0 at offset 32 needs 1099511627776 bytes, the file has 33/,
    ],
    [
      "a string array count past the end",
      header(3, 0n, 1n, u64(1n), Buffer.from("k"), u32(9), u32(8), u64(2n ** 50n)),
      /truncated or corrupt GGUF header/,
    ],
    [
      "an unknown value type",
      header(3, 0n, 1n, u64(1n), Buffer.from("k"), u32(99), u64(0n)),
      /unknown value type 99/,
    ],
  ];
  it.each(hostile)("gives a clear error, fast, for %s", (name, data, message) => {
    const path = file(`${name.replace(/\W/g, "_")}.gguf`, data);
    expect(() => readGgufHeader(path)).toThrow(GgufError);
    expect(() => readGgufHeader(path)).toThrow(message);
    expect(checkModel(path)).toMatchObject({ ok: false, reason: expect.stringMatching(message) });
  });

  it("checkModel says a missing model is not found", () => {
    expect(checkModel(join(dir, "nope.gguf"))).toEqual({
      path: join(dir, "nope.gguf"),
      ok: false,
      reason: expect.stringMatching(/not found$/),
    });
  });
});

describe("GGUF files as downloads break them", () => {
  const tensors = [
    { name: "token_embd.weight", dims: [64, 32], type: 12, offset: 0 }, // Q4_K: 2048 elements = 8 blocks of 144 bytes
    { name: "output_norm.weight", dims: [64], type: 0, offset: 1152 }, // F32: 256 bytes
  ];
  const head = buildGgufHeader("qwen2", {}, 3, tensors);
  const dataBytes = 1152 + 256;

  it("accepts a complete file and reports the size its header declares", () => {
    const h = readGgufHeader(file("complete.gguf", Buffer.concat([head, Buffer.alloc(dataBytes)])));
    expect(h.declaredBytes).toBe(head.length + dataBytes);
    expect(h.tensorCount).toBe(2n);
  });

  it("reports a header-only file (an interrupted download) as truncated, without reading the data", () => {
    const short = file("header-only.gguf", Buffer.concat([head, Buffer.alloc(100)]));
    expect(() => readGgufHeader(short)).toThrow(
      `${short} is truncated: the file is ${head.length + 100} bytes, its header declares ${head.length + dataBytes}`,
    );
    expect(checkModel(short)).toMatchObject({ ok: false, reason: expect.stringMatching(/is truncated/) });
  });

  it("reports zeros after the keys (a sparse copy) as an empty tensor list", () => {
    const keysOnly = buildGgufHeader("qwen2");
    const sparse = Buffer.concat([keysOnly, Buffer.alloc(4096)]);
    sparse.writeBigUInt64LE(3n, 8); // the header says 3 tensors; their infos are zeros
    expect(() => readGgufHeader(file("sparse.gguf", sparse))).toThrow(
      /tensor info #0 has an empty name.*holds zeros/,
    );
  });

  it("recognises a big-endian file and names a nested array", () => {
    const be = Buffer.concat([Buffer.from("GGUF"), Buffer.from([0, 0, 0, 3]), Buffer.alloc(16)]);
    expect(() => readGgufHeader(file("be.gguf", be))).toThrow(/is a big-endian GGUF file \(version 3\)/);
    const key = (k: string) => Buffer.concat([u64(BigInt(k.length)), Buffer.from(k)]);
    const nested = header(
      3,
      0n,
      1n,
      key("deep"),
      u32(9),
      u32(9),
      u64(1n),
      u32(9),
      u64(1n),
      u32(9),
      u64(1n),
      u32(9),
      u64(0n),
    );
    expect(() => readGgufHeader(file("nested.gguf", nested))).toThrow(
      /deep\[0\]\[0\]\[0\] nests arrays more than 4 deep/,
    );
    const ok = header(
      3,
      0n,
      2n,
      key("pairs"),
      u32(9),
      u32(9),
      u64(1n),
      u32(5),
      u64(2n),
      u32(1),
      u32(2),
      key("general.architecture"),
      u32(8),
      key("llama"),
    );
    expect(readGgufHeader(file("pairs.gguf", ok)).architecture).toBe("llama");
  });

  it("keeps at most 256 characters of a huge architecture string", () => {
    const h = readGgufHeader(file("long-arch.gguf", buildGgufHeader("x".repeat(3 * 1024 * 1024))));
    expect(h.architecture).toHaveLength(256);
  });

  it("never throws anything but a GgufError on 500 mutated headers", () => {
    const base = Buffer.concat([head, Buffer.alloc(dataBytes)]);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const path = join(dir, "mutant.gguf");
    for (let k = 0; k < 500; k++) {
      const m = Buffer.from(base);
      for (let j = 0; j < 1 + rand(4); j++) m[rand(head.length)] = rand(256);
      writeFileSync(path, m.subarray(0, rand(4) === 0 ? rand(m.length) : m.length));
      try {
        readGgufHeader(path);
      } catch (error) {
        expect(error).toBeInstanceOf(GgufError);
      }
    }
  });
});
