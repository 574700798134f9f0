// Canonical JSON keeps every key, `__proto__` included (issue #14, bug 6): it used to vanish, so a signed
// observation could lose a field and the safetensors writer produced a file its own reader rejected.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../runtime/run/files.ts';
import { observationDigest } from '../../runtime/run/anchor.ts';
import { decodeSafetensors, encodeSafetensors, f32Tensor } from '../../runtime/run/safetensors.ts';

describe('canonical JSON and __proto__', () => {
  it('keeps a key named __proto__, at any depth, in sorted order', () => {
    const v = JSON.parse('{"b":1,"__proto__":{"x":2},"a":[{"__proto__":3,"c":null}]}');
    expect(canonicalJson(v)).toBe('{"__proto__":{"x":2},"a":[{"__proto__":3,"c":null}],"b":1}');
    expect(JSON.parse(canonicalJson(v))).toEqual(v);
    expect(canonicalJson(v, true)).toContain('"__proto__": {');
  });

  it('an observation digest covers a __proto__ field: removing it changes the digest', () => {
    const record = JSON.parse('{"tokens":"10","__proto__":{"forged":true}}');
    const without = JSON.parse('{"tokens":"10"}');
    const o = (r: unknown) => Buffer.from(observationDigest({ policy: 'p', step: 1, record: r, tensors: {} })).toString('hex');
    expect(o(record)).not.toBe(o(without));
  });

  it('a tensor named __proto__ is written and read back', () => {
    const bytes = encodeSafetensors(new Map([['__proto__', f32Tensor([2], [0x3f800000, 0x40000000])]]));
    const file = decodeSafetensors(bytes);
    expect([...file.tensors.keys()]).toEqual(['__proto__']);
  });
});
