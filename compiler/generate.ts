/**
 * Random, valid run records for a policy's declared fields (a seeded mulberry32 stream, so a failing case can
 * be replayed): what the differential test between the interpreter and the compiled programs runs on.
 */
import type { Type } from '../language/checker/types.ts';
import { BABYBEAR_P, type FieldType } from './values.ts';

export function recordGenerator(seed: number, scale: { ints?: number } = {}) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const ints = scale.ints ?? 1000;
  const value = (type: Type): unknown => {
    switch (type.kind) {
      case 'bool':
        return next() < 0.5;
      case 'num':
        if (type.base === 'int') return int(4) === 0 ? `${1 + int(9)}e${int(26)}` : int(ints);
        if (type.base === 'percent') return `${int(101)}%`;
        return `${int(100)}.${int(100)}`;
      case 'enum':
        return type.decl.members[int(type.decl.members.length)]!.name;
      case 'digest':
        return Array.from({ length: 8 }, () => int(BABYBEAR_P).toString(16).padStart(8, '0')).join('');
      case 'bf16':
        return `0x${int(0x10000).toString(16).padStart(4, '0')}`;
      case 'f32':
        return `0x${int(0x100000000).toString(16).padStart(8, '0')}`;
      case 'array':
        return Array.from({ length: Number(type.length) }, () => value(type.element));
      default:
        throw new Error(`no run value of type ${type.kind}`);
    }
  };
  return {
    record: (fields: readonly FieldType[]) => Object.fromEntries(fields.map((f) => [f.name, value(f.type)])),
    int,
  };
}
