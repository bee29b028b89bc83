import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** What a GGUF header check reads. */
export interface GgufHeader {
  version: number;
  tensorCount: bigint;
  metadataCount: bigint;
  /** `general.architecture` (llama, qwen2, phi3, ...), at most 256 characters. */
  architecture?: string;
  /** `general.file_type` (the quantization: 15 is Q4_K_M; see {@link FILE_TYPES}), when the header has it. */
  fileType?: number;
  fileBytes: number;
  /**
   * Bytes the header says the file holds: the start of the tensor data plus
   * the furthest tensor's end (undefined for a file without tensors). A file
   * shorter than this is truncated.
   */
  declaredBytes?: number;
}

/** ggml's `general.file_type` values (llama.cpp's `llama_ftype`), by the names `/health` and llama.cpp give them. */
export const FILE_TYPES: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  32: "BF16",
  38: "MXFP4",
};

/** The file is not a valid GGUF file; the message says where and why. */
export class GgufError extends Error {}

const MAGIC = 0x46554747; // "GGUF" little-endian
const CHUNK = 1024 * 1024;
/** Value sizes of the fixed-size GGUF types, by type id. */
const FIXED: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;
/** Deepest array nesting read (the format allows arrays of arrays; a hostile file could nest without end). */
const MAX_ARRAY_DEPTH = 4;
/** Longest key read (the GGUF specification allows 65535 bytes). */
const MAX_KEY_BYTES = 65535;
/** Characters of `general.architecture` kept. */
const MAX_ARCH_CHARS = 256;
const DEFAULT_ALIGNMENT = 32n;

/** [elements per block, bytes per block] of the ggml tensor types, by type id. */
const TENSOR_TYPES: Record<number, [number, number]> = {
  0: [1, 4],
  1: [1, 2],
  2: [32, 18],
  3: [32, 20],
  6: [32, 22],
  7: [32, 24],
  8: [32, 34],
  9: [32, 36],
  10: [256, 84],
  11: [256, 110],
  12: [256, 144],
  13: [256, 176],
  14: [256, 210],
  15: [256, 292],
  16: [256, 66],
  17: [256, 74],
  18: [256, 98],
  19: [256, 50],
  20: [32, 18],
  21: [256, 110],
  22: [256, 82],
  23: [256, 136],
  24: [1, 1],
  25: [1, 2],
  26: [1, 4],
  27: [1, 8],
  28: [1, 8],
  29: [256, 56],
  30: [1, 2],
  34: [256, 54],
  35: [256, 66],
  39: [32, 17],
};

/** Reads a file front to back through a 1 MiB window; every length is checked against the file size first. */
class Cursor {
  offset = 0;
  private readonly buf = Buffer.alloc(CHUNK);
  private bufStart = 0;
  private bufLen = 0;

  constructor(
    private readonly fd: number,
    readonly fileBytes: number,
    private readonly path: string,
  ) {}

  corrupt(what: string): GgufError {
    return new GgufError(`corrupt GGUF header in ${this.path}: ${what}`);
  }

  /** Checks that `n` bytes from here are inside the file, then moves past them; returns where they start. */
  need(n: number | bigint, what: string): number {
    const size = Number(n);
    if (!Number.isSafeInteger(size) || size < 0 || this.offset + size > this.fileBytes) {
      throw new GgufError(
        `truncated or corrupt GGUF header in ${this.path}: ${what} at offset ${this.offset} needs ${n} bytes, the file has ${this.fileBytes}`,
      );
    }
    const at = this.offset;
    this.offset += size;
    return at;
  }

  /** `n` (at most one window) bytes at `at`, read from the file as needed. */
  private bytes(at: number, n: number): Buffer {
    if (at < this.bufStart || at + n > this.bufStart + this.bufLen) {
      this.bufStart = at;
      this.bufLen = readSync(this.fd, this.buf, 0, Math.min(CHUNK, this.fileBytes - at), at);
    }
    return this.buf.subarray(at - this.bufStart, at - this.bufStart + n);
  }

  u32(what: string): number {
    return this.bytes(this.need(4, what), 4).readUInt32LE(0);
  }
  u64(what: string): bigint {
    return this.bytes(this.need(8, what), 8).readBigUInt64LE(0);
  }
  /** A string; only its first `keep` bytes are read, the rest skipped. */
  string(what: string, keep = MAX_KEY_BYTES): string {
    const len = this.u64(`${what} length`);
    const at = this.need(len, what);
    return this.bytes(at, Math.min(Number(len), keep, CHUNK)).toString("utf8");
  }
  skip(type: number, what: string, depth = 0): void {
    if (type in FIXED) this.need(FIXED[type], what);
    else if (type === STRING) this.need(this.u64(`${what} length`), what);
    else if (type === ARRAY) {
      const inner = this.u32(`${what} element type`);
      const count = this.u64(`${what} element count`);
      if (inner in FIXED) this.need(count * BigInt(FIXED[inner]), what);
      else if (inner === STRING || inner === ARRAY) {
        if (inner === ARRAY && depth + 1 >= MAX_ARRAY_DEPTH)
          throw this.corrupt(`${what} nests arrays more than ${MAX_ARRAY_DEPTH} deep`);
        // Each element takes at least 8 bytes (a length or an element type and count): bound the count first.
        if (count * 8n > BigInt(this.fileBytes - this.offset)) this.need(count * 8n, what);
        for (let k = 0n; k < count; k++) this.skip(inner, `${what}[${k}]`, depth + 1);
      } else throw this.corrupt(`${what} is an array of unknown element type ${inner}`);
    } else throw this.corrupt(`${what} has unknown value type ${type}`);
  }
}

/** The version field read the other way round: 2 or 3 means a big-endian file. */
function swapped(version: number): number {
  return (
    (((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24)) >>>
    0
  );
}

/**
 * Reads a GGUF header: magic, version (2 or 3, little-endian), tensor and
 * metadata counts, `general.architecture`, `general.alignment`, and the tensor
 * infos, whose offsets and sizes say how large the file must be. Every count
 * and length is bounded by the file size, so a truncated or hostile file
 * gives a {@link GgufError}, never a huge allocation or a hang; the tensor
 * data itself is never read.
 */
export function readGgufHeader(path: string): GgufHeader {
  const fd = openSync(path, "r");
  try {
    const fileBytes = fstatSync(fd).size;
    const c = new Cursor(fd, fileBytes, path);
    const magic = Buffer.alloc(4);
    readSync(fd, magic, 0, 4, 0);
    if (fileBytes < 4 || magic.readUInt32LE(0) !== MAGIC) {
      throw new GgufError(
        `${path} is not a GGUF file: it does not start with the magic "GGUF" (47 47 55 46)`,
      );
    }
    c.need(4, "magic");
    const version = c.u32("version");
    if (version !== 2 && version !== 3) {
      const be = swapped(version);
      if (be === 2 || be === 3) {
        throw new GgufError(
          `${path} is a big-endian GGUF file (version ${be}); worker-orcd reads little-endian GGUF only: convert it, or use the little-endian build of the model`,
        );
      }
      throw new GgufError(`${path}: unsupported GGUF version ${version} (expected 2 or 3)`);
    }
    const tensorCount = c.u64("tensor count");
    const metadataCount = c.u64("metadata count");
    if (metadataCount * 13n > BigInt(fileBytes)) {
      throw c.corrupt(`${metadataCount} metadata entries cannot fit in ${fileBytes} bytes`);
    }
    if (tensorCount * 24n > BigInt(fileBytes)) {
      throw c.corrupt(
        `${tensorCount} ${tensorCount === 1n ? "tensor" : "tensors"} cannot fit in ${fileBytes} bytes`,
      );
    }
    let architecture: string | undefined;
    let fileType: number | undefined;
    let alignment = DEFAULT_ALIGNMENT;
    for (let k = 0n; k < metadataCount; k++) {
      const key = c.string(`metadata key #${k}`);
      const type = c.u32(`type of ${key}`);
      if (key === "general.architecture" && type === STRING)
        architecture = c.string(key, MAX_ARCH_CHARS * 4).slice(0, MAX_ARCH_CHARS);
      else if (key === "general.file_type" && (type === 4 || type === 5)) fileType = c.u32(key);
      else if (key === "general.alignment" && type === 4) {
        alignment = BigInt(c.u32(key));
        if (alignment === 0n || (alignment & (alignment - 1n)) !== 0n)
          throw c.corrupt(`general.alignment is ${alignment}, not a power of two`);
      } else c.skip(type, key);
    }
    const declaredBytes = tensorCount > 0n ? readTensorInfos(c, tensorCount, alignment) : undefined;
    if (declaredBytes !== undefined && declaredBytes > fileBytes) {
      throw new GgufError(
        `${path} is truncated: the file is ${fileBytes} bytes, its header declares ${declaredBytes} (tensor data of ${tensorCount} ${tensorCount === 1n ? "tensor" : "tensors"}); an interrupted download?`,
      );
    }
    return {
      version,
      tensorCount,
      metadataCount,
      architecture,
      ...(fileType !== undefined ? { fileType } : {}),
      fileBytes,
      declaredBytes,
    };
  } finally {
    closeSync(fd);
  }
}

/** Reads the tensor infos; returns the bytes the file must hold (data start + furthest tensor end). */
function readTensorInfos(c: Cursor, count: bigint, alignment: bigint): number {
  let furthest = 0n;
  for (let k = 0n; k < count; k++) {
    const name = c.string(`tensor info #${k} name`, 256);
    if (name.length === 0) {
      throw c.corrupt(
        `tensor info #${k} has an empty name at offset ${c.offset - 8}: the file holds zeros where its tensor list should be (an incomplete download or a sparse copy?)`,
      );
    }
    const dims = c.u32(`tensor ${name} dimension count`);
    if (dims < 1 || dims > 8) throw c.corrupt(`tensor ${name} has ${dims} dimensions (expected 1 to 8)`);
    let elements = 1n;
    for (let d = 0; d < dims; d++) elements *= c.u64(`tensor ${name} dimension ${d}`);
    const type = c.u32(`tensor ${name} type`);
    const offset = c.u64(`tensor ${name} offset`);
    const layout = TENSOR_TYPES[type];
    const bytes = layout ? (elements / BigInt(layout[0])) * BigInt(layout[1]) : 0n;
    if (offset + bytes > furthest) furthest = offset + bytes;
  }
  const start = BigInt(c.offset);
  const dataStart = ((start + alignment - 1n) / alignment) * alignment;
  const total = dataStart + furthest;
  return total > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(total);
}

/** A tensor for {@link buildGgufHeader}: name, dimensions, ggml type id, offset in the data section. */
export interface FakeTensor {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

/**
 * Builds a small valid GGUF header (for tests and fake models): the
 * architecture, extra string keys, and tensor infos. With tensors, append
 * their data (see {@link GgufHeader.declaredBytes}) for a complete file.
 */
export function buildGgufHeader(
  architecture: string,
  extra: Record<string, string> = {},
  version = 3,
  tensors: FakeTensor[] = [],
): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const u64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const str = (s: string) => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);
  const kvs: [string, string][] = [["general.architecture", architecture], ...Object.entries(extra)];
  parts.push(Buffer.from("GGUF"), u32(version), u64(BigInt(tensors.length)), u64(BigInt(kvs.length)));
  for (const [k, v] of kvs) parts.push(str(k), u32(STRING), str(v));
  for (const t of tensors) {
    parts.push(
      str(t.name),
      u32(t.dims.length),
      ...t.dims.map((d) => u64(BigInt(d))),
      u32(t.type),
      u64(BigInt(t.offset)),
    );
  }
  if (tensors.length > 0) {
    const length = parts.reduce((n, p) => n + p.length, 0);
    parts.push(Buffer.alloc((32 - (length % 32)) % 32));
  }
  return Buffer.concat(parts);
}
