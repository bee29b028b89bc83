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
