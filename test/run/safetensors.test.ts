// The safetensors reader and writer (runtime/run/safetensors.ts): canonical bytes, round trips of BF16/F32/U32
// tensors, files laid out as other writers lay them out, and every malformed file rejected with an error that
// names the file and, where there is one, the tensor.
import { describe, expect, it } from 'vitest';
import {
  bf16Tensor,
  bf16Values,
  decodeSafetensors,
  encodeSafetensors,
  f32Tensor,
  f32Values,
  SafetensorsError,
  u32Tensor,
  u32Values,
} from '../../runtime/run/safetensors.ts';

/** A file from a header string (padded to 8 bytes with spaces) and a data buffer, as any writer might make it. */
function file(header: string, data: Uint8Array | number[] = []): Uint8Array {
  const h = Buffer.from(header + ' '.repeat((8 - (Buffer.byteLength(header) % 8)) % 8));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function rejects(bytes: Uint8Array, pattern: RegExp, tensor?: string): SafetensorsError {
  let err: unknown;
  try {
    decodeSafetensors(bytes, 'tensors/bad.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  const e = err as SafetensorsError;
  expect(e.message).toMatch(/^tensors\/bad\.safetensors: /);
  expect(e.message).toMatch(pattern);
  expect(e.tensor).toBe(tensor);
  if (tensor !== undefined) expect(e.message).toContain(`tensor '${tensor}'`);
  return e;
}

describe('safetensors', () => {
  const x = bf16Tensor([2, 3], [0x3f80, 0xbf80, 0x0000, 0x8000, 0x7fc0, 0x0001]);
  const w = f32Tensor([3], [0x3f800000, 0x7fc00001, 0x80000000]);
  const ids = u32Tensor([2, 2], [0, 5, 1, 4294967295]);

  it('round-trips BF16, F32 and U32 tensors bit for bit, with metadata', () => {
    const bytes = encodeSafetensors({ x, w, ids }, { note: 'demo', format: 'pt' });
    const f = decodeSafetensors(bytes);
    expect([...f.tensors.keys()]).toEqual(['ids', 'w', 'x']);
    expect(f.metadata).toEqual({ format: 'pt', note: 'demo' });
    expect([...bf16Values(f.tensors.get('x')!)]).toEqual([0x3f80, 0xbf80, 0x0000, 0x8000, 0x7fc0, 0x0001]);
    expect([...f32Values(f.tensors.get('w')!)]).toEqual([0x3f800000, 0x7fc00001, 0x80000000]);
    expect([...u32Values(f.tensors.get('ids')!)]).toEqual([0, 5, 1, 4294967295]);
    expect(f.tensors.get('x')!.shape).toEqual([2, 3]);
    // Decoding and re-encoding gives the same bytes.
    expect(encodeSafetensors(f.tensors, f.metadata)).toEqual(bytes);
  });

  it('writes canonical bytes: sorted names and keys, no whitespace, header padded to 8 bytes', () => {
    const a = encodeSafetensors({ x, w });
    const b = encodeSafetensors(new Map([['w', w], ['x', x]]));
    expect(b).toEqual(a);
    const n = Number(new DataView(a.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = Buffer.from(a.subarray(8, 8 + n)).toString('utf8');
    expect(header.trimEnd()).toBe(
      '{"w":{"data_offsets":[0,12],"dtype":"F32","shape":[3]},"x":{"data_offsets":[12,24],"dtype":"BF16","shape":[2,3]}}',
    );
    // Little-endian data: bf16 1.0 is 80 3f.
    expect([...a.subarray(8 + n + 12, 8 + n + 14)]).toEqual([0x80, 0x3f]);
    expect(encodeSafetensors({ x }, undefined)).not.toEqual(encodeSafetensors({ x }, {}));
  });

  it('reads files laid out by other writers: any key order, padding, empty tensors, scalars', () => {
    const bytes = file(
      '{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[],"data_offsets":[2,6]},"a":{"shape":[1],"dtype":"BF16","data_offsets":[0,2]},"e":{"dtype":"F64","shape":[0,4],"data_offsets":[6,6]}}',
      [0x80, 0x3f, 0, 0, 0x80, 0xbf],
    );
    const f = decodeSafetensors(bytes, 'x.safetensors');
    expect([...f.tensors.keys()]).toEqual(['a', 'b', 'e']);
    expect([...bf16Values(f.tensors.get('a')!)]).toEqual([0x3f80]);
    expect([...f32Values(f.tensors.get('b')!)]).toEqual([0xbf800000]);
    expect(f.tensors.get('e')!.data.length).toBe(0);
  });

  it('rejects malformed files, naming the file and the tensor', () => {
    rejects(new Uint8Array(5), /5 bytes, too short/);
    const big = file('{}');
    new DataView(big.buffer).setBigUint64(0, 1000n, true);
    rejects(big, /header length 1000 exceeds the 8 bytes after the length field/);
    rejects(file('[1,2]'), /JSON object/);
    rejects(file('{"a":'), /header is not valid JSON/);
    const bad = file('{"a":1}    ');
    bad[10] = 0xff;
    rejects(bad, /not valid UTF-8/);
    rejects(file('{"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}', [0]), /unknown dtype "Q4"/, 'x');
    rejects(file('{"x":{"dtype":"BF16","shape":[2,-1],"data_offsets":[0,0]}}'), /shape\[1\] must be a non-negative integer, got -1/, 'x');
    rejects(file('{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4],"extra":1}}', [0, 0, 0, 0]), /unknown entry field 'extra'/, 'x');
    rejects(file('{"x":{"dtype":"BF16","shape":[2]}}'), /missing 'data_offsets'/, 'x');
    rejects(file('{"x":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,6]}}', [0, 0, 0, 0, 0, 0]), /span 6 bytes, but BF16 \[2, 2\] needs 8/, 'x');
    rejects(file('{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', [0, 0]), /reach past the 2-byte data buffer/, 'x');
    rejects(file('{"x":{"dtype":"BF16","shape":[1],"data_offsets":[2,0]}}', [0, 0]), /end before they begin/, 'x');
    rejects(
      file('{"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},"y":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}', [0, 0, 0, 0, 0, 0]),
      /data begins at byte 4, leaving a gap after tensor 'x'/,
      'y',
    );
    rejects(
      file('{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"y":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]}}', [0, 0, 0, 0]),
      /overlaps tensor 'x'/,
      'y',
    );
    rejects(file('{"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}', [0, 0, 9]), /1 bytes after the last tensor's data \('x'\)/);
    rejects(file('{"__metadata__":{"a":1}}'), /__metadata__\.a must be a string/);
    // A truncated canonical file.
    const good = encodeSafetensors({ x });
    rejects(good.subarray(0, good.length - 1), /reach past/, 'x');
  });

  it('refuses to write tensors whose data does not fill their shape', () => {
    expect(() => encodeSafetensors({ x: { dtype: 'BF16', shape: [3], data: new Uint8Array(4) } }, undefined, 'out.safetensors')).toThrow(
      "out.safetensors: tensor 'x': 4 bytes of data, but BF16 [3] needs 6",
    );
    expect(() => bf16Values(w, 'f.safetensors', 'w')).toThrow("f.safetensors: tensor 'w': expected dtype BF16, got F32");
  });
});
