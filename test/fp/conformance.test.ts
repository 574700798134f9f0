// Every vector file in conformance/ (or $ZPOL_CONFORMANCE_DIR) must pass in full. The directory is required: if it
// is missing these tests fail (they never skip).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFORMANCE_FILES,
  CONFORMANCE_OPS,
  ConformanceFormatError,
  checkConformanceFile,
  checkVectors,
  conformanceDir,
  conformancePath,
  readConformanceText,
  readVectors,
} from '../../runtime/conformance/vectors.ts';
import { packagePath } from '../../base/package-files.ts';

const dir = conformanceDir();

/** Vector counts of the files as shipped; a file that shrinks (truncated copy) is a failure too. */
const EXPECTED_COUNTS: Record<string, number> = {
  f32_add: 46464,
  f32_mul: 46464,
  f32_mulAdd: 197847,
  f32_eq: 46464,
  f32_lt: 46464,
  f32_le: 46464,
  f32_to_bf16: 100000,
  bf16_mac: 150000,
  bf16_dot: 3000,
  bf16_mma: 20000,
  bf16_mma_dot: 1000,
};

describe('IEEE-754 conformance vectors', () => {
  it('finds the conformance directory', () => {
    expect(existsSync(dir), `conformance vectors are required but ${dir} does not exist`).toBe(true);
  });

  it.each(CONFORMANCE_OPS.map((op) => [op]))('%s.tv passes every vector', (op) => {
    expect(existsSync(conformancePath(op)), `missing ${conformancePath(op)}`).toBe(true);
    const r = checkConformanceFile(op, undefined, { maxFailures: 5 });
    const flags = r.flags ? `, flags ${r.flags.matched}/${r.flags.checked}` : '';
    console.log(`${op}.tv: ${r.passed}/${r.passed + r.failed} passed${flags}`);
    expect(r.failures).toEqual([]);
    expect(r.failed).toBe(0);
    expect(r.passed).toBe(EXPECTED_COUNTS[op]);
    // Flags are optional in the README, but this implementation matches all of them; keep it that way.
    if (r.flags) expect(r.flags.mismatches).toEqual([]);
  });
});

describe("the repository's copies", () => {
  it('are the files SHA256SUMS names, byte for byte once decompressed', () => {
    const sums = readFileSync(packagePath('conformance', 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.map((line) => line.split(/\s+/)[1])).toEqual([...CONFORMANCE_FILES].sort().map((name) => `${name}.tv`));
    for (const line of sums) {
      const [sum, file] = line.split(/\s+/);
      const name = file.replace(/\.tv$/, '') as (typeof CONFORMANCE_FILES)[number];
      const text = readConformanceText(name, packagePath('conformance'));
      expect(createHash('sha256').update(text).digest('hex'), file).toBe(sum);
    }
  });
});

describe('conformance readers and checker', () => {
  it('reads every line format with line numbers', () => {
    expect([...readVectors('f32_add', '\n8683F7FF C07F3FFF C07F3FFF 01\n')]).toEqual([
      { line: 2, a: 0x8683f7ff, b: 0xc07f3fff, result: 0xc07f3fff, flags: 1 },
    ]);
    expect([...readVectors('f32_mulAdd', '8683F7FF C07F3FFF 00000000 07839504 01')]).toEqual([
      { line: 1, a: 0x8683f7ff, b: 0xc07f3fff, c: 0, result: 0x07839504, flags: 1 },
    ]);
    expect([...readVectors('f32_lt', '00000000 3C072C85 1 00')]).toEqual([{ line: 1, a: 0, b: 0x3c072c85, result: true, flags: 0 }]);
    expect([...readVectors('f32_to_bf16', 'C306F7DA C307')]).toEqual([{ line: 1, x: 0xc306f7da, result: 0xc307 }]);
    expect([...readVectors('bf16_mac', '809D BC5A 80EAE963 80E8D29B')]).toEqual([
      { line: 1, a: 0x809d, b: 0xbc5a, c: 0x80eae963, result: 0x80e8d29b },
    ]);
    expect([...readVectors('bf16_dot', '2 3F80 4000 3F80 3F80 40400000 4040\r\n')]).toEqual([
      { line: 1, a: [0x3f80, 0x4000], b: [0x3f80, 0x3f80], acc: 0x40400000, out: 0x4040 },
    ]);
    const ones = Array(16).fill('3F80').join(' ');
    expect([...readVectors('bf16_mma', `${ones} ${ones} 3F800000 41880000`)]).toEqual([
      { line: 1, a: Array(16).fill(0x3f80), b: Array(16).fill(0x3f80), c: 0x3f800000, d: 0x41880000 },
    ]);
    expect([...readVectors('bf16_mma_dot', `16 ${ones} ${ones} 41800000 4180`)]).toEqual([
      { line: 1, a: Array(16).fill(0x3f80), b: Array(16).fill(0x3f80), acc: 0x41800000, out: 0x4180 },
    ]);
  });

  it('rejects malformed lines, naming the line', () => {
    expect(() => [...readVectors('f32_add', '3F800000 3F800000 40000000 00\n3F800000 3F80 40000000 00')]).toThrow(
      ConformanceFormatError,
    );
    expect(() => [...readVectors('f32_add', '3F800000 3F800000 40000000')]).toThrow(/f32_add\.tv:1: expected 4 fields/);
    expect(() => [...readVectors('f32_eq', '3F800000 3F800000 2 00')]).toThrow(/0 or 1/);
    expect(() => [...readVectors('bf16_dot', '2 3F80 3F80 3F80 40000000 4000')]).toThrow(/expected 7 fields/);
    expect(() => [...readVectors('bf16_mma', '3F80 3F80 3F800000 3F800000')]).toThrow(/bf16_mma\.tv:1: expected 34 fields/);
    // The tensor-core dot product chains 16-wide operations: K must be a multiple of 16.
    expect(() => [...readVectors('bf16_mma_dot', '2 3F80 4000 3F80 3F80 40400000 4040')]).toThrow(/multiple of 16/);
  });

  it('reports failures with line, inputs, expected and actual results', () => {
    const r = checkVectors('f32_add', '3F800000 3F800000 40000000 00\n3F800000 3F800000 40400000 00\n');
    expect(r.passed).toBe(1);
    expect(r.failed).toBe(1);
    expect(r.failures).toEqual([{ line: 2, inputs: ['3F800000', '3F800000'], expected: '40400000 00', got: '40000000 00' }]);
  });

  it('compares NaN results as a class and everything else bit for bit', () => {
    // The file's x86 NaN (payload propagated) against our canonical NaN: conforms.
    expect(checkVectors('f32_add', '7FC12345 3F800000 7FC12345 00').failed).toBe(0);
    expect(checkVectors('f32_to_bf16', '7F812345 7FC1').failed).toBe(0);
    // A NaN where a number is expected, or the other way round, does not.
    expect(checkVectors('f32_add', '7FC12345 3F800000 3F800000 00').failed).toBe(1);
    expect(checkVectors('f32_mul', '3F800000 3F800000 7FC00000 00').failed).toBe(1);
    // Signed zeros differ.
    expect(checkVectors('f32_add', '3F800000 BF800000 80000000 00').failed).toBe(1);
  });

  it('counts flag mismatches separately unless flags are required', () => {
    const text = '3F800000 3F800000 40000000 01';
    const loose = checkVectors('f32_add', text);
    expect(loose.failed).toBe(0);
    expect(loose.flags).toMatchObject({ checked: 1, matched: 0 });
    expect(checkVectors('f32_add', text, { requireFlags: true }).failed).toBe(1);
  });

  it('reads plain and gzip-compressed files alike, plain first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-conformance-'));
    try {
      writeFileSync(join(dir, 'f32_add.tv'), '3F800000 3F800000 40000000 00\n');
      expect(conformancePath('f32_add', dir)).toBe(join(dir, 'f32_add.tv'));
      expect(checkConformanceFile('f32_add', dir).passed).toBe(1);
      expect(conformancePath('f32_mul', dir)).toBe(join(dir, 'f32_mul.tv.gz'));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('fails loudly when the directory is missing', () => {
    expect(() => checkConformanceFile('f32_add', '/nonexistent/conformance')).toThrow(/conformance vectors not found/);
  });
});
