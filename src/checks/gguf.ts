import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** What a GGUF header check reads. */
export interface GgufHeader {
  version: number;
  tensorCount: bigint;
  metadataCount: bigint;
  /** `general.architecture` (llama, qwen2, phi3, ...), when present in the first keys. */
  architecture?: string;
  fileBytes: number;
}

/** The file is not a valid GGUF file; the message says where and why. */
export class GgufError extends Error {}

const MAGIC = 0x46554747; // "GGUF" little-endian
/** Bytes read at most; metadata beyond it (vocabularies) is not needed for a check. */
const WINDOW = 4 * 1024 * 1024;
/** Value sizes of the fixed-size GGUF types, by type id. */
const FIXED: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

class Cursor {
  offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly fileBytes: number,
    private readonly path: string,
  ) {}

  need(n: number | bigint, what: string): number {
    const size = Number(n);
    if (!Number.isSafeInteger(size) || size < 0 || this.offset + size > this.fileBytes) {
      throw new GgufError(
        `truncated or corrupt GGUF header in ${this.path}: ${what} at offset ${this.offset} needs ${n} bytes, the file has ${this.fileBytes}`,
      );
    }
    if (this.offset + size > this.buf.length) throw new RangeError("window");
    const at = this.offset;
    this.offset += size;
    return at;
  }
  u32(what: string): number {
    return this.buf.readUInt32LE(this.need(4, what));
  }
  u64(what: string): bigint {
    return this.buf.readBigUInt64LE(this.need(8, what));
  }
  string(what: string): string {
    const len = this.u64(`${what} length`);
    const at = this.need(len, what);
    return this.buf.toString("utf8", at, at + Number(len));
  }
  skip(type: number, what: string): void {
    if (type in FIXED) this.need(FIXED[type], what);
    else if (type === STRING) this.string(what);
    else if (type === ARRAY) {
      const inner = this.u32(`${what} element type`);
      const count = this.u64(`${what} element count`);
      if (inner in FIXED) this.need(count * BigInt(FIXED[inner]), what);
      else if (inner === STRING) {
        if (count * 8n > BigInt(this.fileBytes)) this.need(count * 8n, what);
        for (let k = 0n; k < count; k++) this.string(`${what}[${k}]`);
      } else
        throw new GgufError(`corrupt GGUF header in ${this.path}: ${what} has unknown element type ${inner}`);
    } else throw new GgufError(`corrupt GGUF header in ${this.path}: ${what} has unknown value type ${type}`);
  }
}

/**
 * Reads a GGUF header cheaply: magic, version (2 or 3), tensor and metadata
 * counts, and `general.architecture`. Every count and length is bounded by
 * the file size, so a truncated or hostile file gives a {@link GgufError},
 * never a huge allocation or a hang. At most 4 MiB are read.
 */
export function readGgufHeader(path: string): GgufHeader {
  const fd = openSync(path, "r");
  try {
    const fileBytes = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(fileBytes, WINDOW));
    readSync(fd, buf, 0, buf.length, 0);
    const c = new Cursor(buf, fileBytes, path);
    if (fileBytes < 4 || buf.readUInt32LE(0) !== MAGIC) {
      throw new GgufError(
        `${path} is not a GGUF file: it does not start with the magic "GGUF" (47 47 55 46)`,
      );
    }
    c.need(4, "magic");
    const version = c.u32("version");
    if (version !== 2 && version !== 3)
      throw new GgufError(`${path}: unsupported GGUF version ${version} (expected 2 or 3)`);
    const tensorCount = c.u64("tensor count");
    const metadataCount = c.u64("metadata count");
    if (metadataCount * 13n > BigInt(fileBytes)) {
      throw new GgufError(
        `corrupt GGUF header in ${path}: ${metadataCount} metadata entries cannot fit in ${fileBytes} bytes`,
      );
    }
    if (tensorCount * 24n > BigInt(fileBytes)) {
      throw new GgufError(
        `corrupt GGUF header in ${path}: ${tensorCount} tensors cannot fit in ${fileBytes} bytes`,
      );
    }
    let architecture: string | undefined;
    try {
      for (let k = 0n; k < metadataCount && architecture === undefined; k++) {
        const key = c.string(`metadata key #${k}`);
        const type = c.u32(`type of ${key}`);
        if (key === "general.architecture" && type === STRING) architecture = c.string(key);
        else c.skip(type, key);
      }
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
    return { version, tensorCount, metadataCount, architecture, fileBytes };
  } finally {
    closeSync(fd);
  }
}

/** Builds a small valid GGUF header (for tests and fake models). */
export function buildGgufHeader(
  architecture: string,
  extra: Record<string, string> = {},
  version = 3,
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
  parts.push(Buffer.from("GGUF"), u32(version), u64(0n), u64(BigInt(kvs.length)));
  for (const [k, v] of kvs) parts.push(str(k), u32(STRING), str(v));
  return Buffer.concat(parts);
}
