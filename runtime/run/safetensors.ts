/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written exactly:
 *
 *   bytes 0..8      N, the header's length, an unsigned 64-bit little-endian integer
 *   bytes 8..8+N    the header: a UTF-8 JSON object mapping each tensor's name to
 *                   { "dtype": "BF16", "shape": [R, C], "data_offsets": [BEGIN, END] }, and optionally
 *                   "__metadata__" to an object of strings; trailing spaces allowed (padding)
 *   bytes 8+N..     the data buffer: each tensor's elements, row-major, little-endian, at [BEGIN, END) of it
 *
 * The reader checks everything the reference implementation checks, and names the file and the tensor in every
 * error: the header length fits the file, the header is a JSON object, every dtype is known, every shape is a
 * list of non-negative integers, every tensor's byte span equals its element count times its element size, and
 * the spans tile the data buffer exactly (no gap, no overlap, nothing after the last).
 *
 * The writer is canonical, so the same tensors always give the same bytes: header keys sorted (tensor names by
 * UTF-16 code units, and the keys inside each entry), no whitespace, tensors laid out in the order of their sorted
 * names, the header padded with spaces to a multiple of 8 bytes (so the data buffer is 8-byte aligned), and
 * `__metadata__` written only when given (its keys sorted too).
 */
import { readFileSync } from 'node:fs';
import { canonicalJson } from './files.ts';

/** Element types and their sizes in bytes. */
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type Dtype = keyof typeof DTYPE_SIZES;

/** One tensor: its element type, shape, and data (row-major, little-endian bytes). */
export interface Tensor {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export interface SafetensorsFile {
  /** The tensors, in the order of their data in the file. */
  readonly tensors: Map<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>> | undefined;
}

/** The reference implementation's limit on the header's size. */
export const MAX_HEADER_BYTES = 100_000_000;

/** A malformed safetensors file, or tensors that cannot be written. `message` is `FILE: tensor 'NAME': PROBLEM`. */
export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    readonly tensor: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}: ${tensor === undefined ? '' : `tensor '${tensor}': `}${problem}`);
    this.name = 'SafetensorsError';
  }
}

function isDtype(x: unknown): x is Dtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZES, x);
}

/** The number of elements of a shape (1 for a scalar, shape []). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function checkShape(shape: unknown, file: string, name: string): number[] {
  if (!Array.isArray(shape)) throw new SafetensorsError(file, name, `shape must be a list of integers, got ${JSON.stringify(shape)}`);
  shape.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || (d as number) < 0) {
      throw new SafetensorsError(file, name, `shape[${i}] must be a non-negative integer, got ${JSON.stringify(d)}`);
    }
  });
  if (!Number.isSafeInteger(elementCount(shape as number[]))) throw new SafetensorsError(file, name, `shape ${JSON.stringify(shape)} has too many elements`);
  return shape as number[];
}

const DESCRIBE = (t: { dtype: Dtype; shape: readonly number[] }): string => `${t.dtype} [${t.shape.join(', ')}]`;

/** Parses safetensors bytes; `file` names the source in errors. */
export function decodeSafetensors(bytes: Uint8Array, file = '<safetensors>'): SafetensorsFile {
  if (bytes.length < 8) throw new SafetensorsError(file, undefined, `${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(file, undefined, `header length ${n64} exceeds the ${bytes.length - 8} bytes after the length field (truncated file?)`);
  }
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) throw new SafetensorsError(file, undefined, `header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError(file, undefined, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(file, undefined, `header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(file, undefined, `header is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError(file, undefined, 'header is not a JSON object');
  const dataLength = bytes.length - 8 - n;
  const data = bytes.subarray(8 + n);

  let metadata: Record<string, string> | undefined;
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new SafetensorsError(file, undefined, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw new SafetensorsError(file, undefined, `__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (name === '') throw new SafetensorsError(file, name, 'a tensor name must not be empty');
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new SafetensorsError(file, name, 'entry must be an object with dtype, shape and data_offsets');
    }
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw new SafetensorsError(file, name, `unknown entry field '${k}'`);
    }
    for (const k of ['dtype', 'shape', 'data_offsets']) {
      if (!(k in e)) throw new SafetensorsError(file, name, `missing '${k}'`);
    }
    if (!isDtype(e.dtype)) {
      throw new SafetensorsError(file, name, `unknown dtype ${JSON.stringify(e.dtype)} (known: ${Object.keys(DTYPE_SIZES).join(', ')})`);
    }
    const shape = checkShape(e.shape, file, name);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      throw new SafetensorsError(file, name, `data_offsets must be two non-negative integers [begin, end], got ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) throw new SafetensorsError(file, name, `data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) throw new SafetensorsError(file, name, `data_offsets [${begin}, ${end}] reach past the ${dataLength}-byte data buffer (truncated file?)`);
    const need = elementCount(shape) * DTYPE_SIZES[e.dtype];
    if (end - begin !== need) {
      throw new SafetensorsError(file, name, `data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${DESCRIBE({ dtype: e.dtype, shape })} needs ${need}`);
    }
    entries.push({ name, dtype: e.dtype, shape, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: string | undefined;
  for (const t of entries) {
    if (t.begin < at) throw new SafetensorsError(file, t.name, `data at bytes [${t.begin}, ${t.end}) overlaps tensor '${prev}' (ending at ${at})`);
    if (t.begin > at) {
      throw new SafetensorsError(file, t.name, `data begins at byte ${t.begin}, leaving a gap after ${prev === undefined ? 'the header' : `tensor '${prev}'`} (ending at ${at})`);
    }
    at = t.end;
    prev = t.name;
  }
  if (at !== dataLength) {
    throw new SafetensorsError(file, undefined, `${dataLength - at} bytes after the last tensor's data${prev === undefined ? '' : ` ('${prev}')`}: the data buffer must end where the tensors end`);
  }
  const tensors = new Map<string, Tensor>();
  // Copies, so every tensor's data is its own aligned buffer (typed views over it work at offset 0).
  for (const t of entries) tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data: data.slice(t.begin, t.end) });
  return { tensors, metadata };
}

/** Canonical safetensors bytes of `tensors` (see the module comment). */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
  file = '<safetensors>',
): Uint8Array {
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const names = [...map.keys()].sort();
  // A null prototype, so that a tensor named `__proto__` is a key like any other (files.ts sortKeys).
  const header: Record<string, unknown> = Object.create(null);
  let at = 0;
  for (const name of names) {
    const t = map.get(name)!;
    if (name === '' || name === '__metadata__') throw new SafetensorsError(file, name, 'not a valid tensor name');
    const dtype: unknown = t.dtype;
    if (!isDtype(dtype)) throw new SafetensorsError(file, name, `unknown dtype ${JSON.stringify(dtype)}`);
    const shape = checkShape(t.shape, file, name);
    const need = elementCount(shape) * DTYPE_SIZES[dtype];
    if (t.data.length !== need) throw new SafetensorsError(file, name, `${t.data.length} bytes of data, but ${DESCRIBE(t)} needs ${need}`);
    header[name] = { dtype: t.dtype, shape: [...shape], data_offsets: [at, at + need] };
    at += need;
  }
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(file, undefined, `__metadata__.${k} must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let json = canonicalJson(header);
  const headerBytes = Buffer.from(json, 'utf8');
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  json += ' '.repeat(padded - headerBytes.length);
  const out = new Uint8Array(8 + padded + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(Buffer.from(json, 'utf8'), 8);
  let o = 8 + padded;
  for (const name of names) {
    const d = map.get(name)!.data;
    out.set(d, o);
    o += d.length;
  }
  return out;
}

export function readSafetensors(path: string, name = path): SafetensorsFile {
  return decodeSafetensors(readFileSync(path), name);
}

// ---------------------------------------------------------------------------------------------------------
// Typed views

function checkCount(shape: readonly number[], n: number, what: string): void {
  if (elementCount(shape) !== n) throw new RangeError(`${what}: ${n} values do not fill shape [${shape.join(', ')}]`);
}

/** A BF16 tensor from bf16 bit patterns. */
export function bf16Tensor(shape: readonly number[], bits: ArrayLike<number>): Tensor {
  checkCount(shape, bits.length, 'bf16Tensor');
  const data = new Uint8Array(bits.length * 2);
  const v = new DataView(data.buffer);
  for (let i = 0; i < bits.length; i++) v.setUint16(2 * i, bits[i]!, true);
  return { dtype: 'BF16', shape: [...shape], data };
}

/** An F32 tensor from f32 bit patterns (uint32), so NaN payloads survive. */
export function f32Tensor(shape: readonly number[], bits: ArrayLike<number>): Tensor {
  checkCount(shape, bits.length, 'f32Tensor');
  const data = new Uint8Array(bits.length * 4);
  const v = new DataView(data.buffer);
  for (let i = 0; i < bits.length; i++) v.setUint32(4 * i, bits[i]! >>> 0, true);
  return { dtype: 'F32', shape: [...shape], data };
}

/** A U32 tensor. */
export function u32Tensor(shape: readonly number[], values: ArrayLike<number>): Tensor {
  checkCount(shape, values.length, 'u32Tensor');
  const data = new Uint8Array(values.length * 4);
  const v = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) v.setUint32(4 * i, values[i]!, true);
  return { dtype: 'U32', shape: [...shape], data };
}

function readAs(t: Tensor, dtype: Dtype, file: string, name: string): DataView {
  if (t.dtype !== dtype) throw new SafetensorsError(file, name, `expected dtype ${dtype}, got ${t.dtype}`);
  return new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** The bf16 bit patterns of a BF16 tensor. */
export function bf16Values(t: Tensor, file = '<safetensors>', name = '<tensor>'): Uint16Array {
  const v = readAs(t, 'BF16', file, name);
  const out = new Uint16Array(t.data.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint16(2 * i, true);
  return out;
}

/** The f32 bit patterns of an F32 tensor. */
export function f32Values(t: Tensor, file = '<safetensors>', name = '<tensor>'): Uint32Array {
  const v = readAs(t, 'F32', file, name);
  const out = new Uint32Array(t.data.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint32(4 * i, true);
  return out;
}

/** The values of a U32 tensor. */
export function u32Values(t: Tensor, file = '<safetensors>', name = '<tensor>'): Uint32Array {
  const v = readAs(t, 'U32', file, name);
  const out = new Uint32Array(t.data.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint32(4 * i, true);
  return out;
}
