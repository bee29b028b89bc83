/**
 * A GGUF (version 3) file writer: typed metadata and F32 tensors, aligned as
 * llama.cpp reads them. The reader the package checks models with is
 * `checks/gguf.ts`; this is its counterpart for the models the package writes.
 */

/** A metadata value with its GGUF type. */
export type GgufValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: readonly string[] }
  | { type: "f32[]"; value: ArrayLike<number> }
  | { type: "i32[]"; value: ArrayLike<number> };

/** An F32 tensor: `dims` in ggml order (the first is the contiguous one). */
export interface GgufTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

const TYPE_ID = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;
const GGML_F32 = 0;
/** llama.cpp's default alignment of tensor data (`general.alignment` unset). */
export const GGUF_ALIGNMENT = 32;

/** Appends little-endian values to a growing list of buffers. */
class Bytes {
  readonly parts: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }
  i32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.push(b);
  }
  f32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.push(b);
  }
  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  string(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  pad(to: number): void {
    const n = (to - (this.length % to)) % to;
    if (n > 0) this.push(Buffer.alloc(n));
  }
}

/** How each scalar is written: its type id and its bytes. */
const SCALARS = {
  u32: [TYPE_ID.u32, (out: Bytes, v: number) => out.u32(v)],
  i32: [TYPE_ID.i32, (out: Bytes, v: number) => out.i32(v)],
  f32: [TYPE_ID.f32, (out: Bytes, v: number) => out.f32(v)],
} as const;

function writeValue(out: Bytes, v: GgufValue): void {
  if (v.type === "u32" || v.type === "i32" || v.type === "f32") {
    const [id, write] = SCALARS[v.type];
    out.u32(id);
    write(out, v.value);
  } else if (v.type === "bool") {
    out.u32(TYPE_ID.bool);
    out.raw(Buffer.from([v.value ? 1 : 0]));
  } else if (v.type === "string") {
    out.u32(TYPE_ID.string);
    out.string(v.value);
  } else {
    // Arrays: the array type, the element type, the count, the elements.
    const element = v.type === "string[]" ? TYPE_ID.string : SCALARS[v.type === "f32[]" ? "f32" : "i32"][0];
    out.u32(TYPE_ID.array);
    out.u32(element);
    out.u64(v.value.length);
    for (let k = 0; k < v.value.length; k++) {
      if (v.type === "string[]") out.string(v.value[k]);
      else SCALARS[v.type === "f32[]" ? "f32" : "i32"][1](out, v.value[k]);
    }
  }
}

/** The bytes of a GGUF v3 file with `metadata` (in order) and `tensors` (F32, in order). */
export function ggufBytes(
  metadata: ReadonlyArray<[string, GgufValue]>,
  tensors: readonly GgufTensor[],
): Buffer {
  const out = new Bytes();
  out.raw(Buffer.from("GGUF", "latin1"));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }
  let offset = 0;
  for (const t of tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length)
      throw new Error(
        `tensor ${t.name}: dims ${t.dims.join("x")} hold ${elements} values, data has ${t.data.length}`,
      );
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(GGML_F32);
    out.u64(offset);
    offset += Math.ceil(t.data.byteLength / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  }
  out.pad(GGUF_ALIGNMENT);
  for (const t of tensors) {
    out.raw(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.pad(GGUF_ALIGNMENT);
  }
  return Buffer.concat(out.parts, out.length);
}
