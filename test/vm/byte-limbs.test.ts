// Byte limbs for the zkVM's 16-bit range checks (runtime/vm/chips/byte-limbs.ts): a chip's sends on the 16-bit bus
// become two byte lookups over one limb column. An honest trace proves over the 256-row byte table alone; a value of
// 2^16 or more has no limb that makes both lookups bytes, and its proof does not verify; the byte table's counts are
// the limbs of the 16-bit counts; the machine has no 16-bit table left.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import type { Air } from '../../runtime/proof/air/air.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import { analyze } from '../../runtime/proof/air/air.ts';
import { BYTE_BUS, U16_BUS } from '../../runtime/vm/buses.ts';
import { byteLimbs } from '../../runtime/vm/chips/byte-limbs.ts';
import { byteTable, RangeCounter } from '../../runtime/vm/chips/range.ts';
import { machine, tableNames } from '../../runtime/vm/machine.ts';
import { everyOpcode } from '../soundness/every-opcode.ts';

/** A probe chip: (x) on the 16-bit bus when `on`, and a byte (y) always. */
const probe: Air = {
  name: 'u16-probe',
  width: 3,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    b.assertBool(b.main(1));
    b.send(U16_BUS, [b.main(0)], b.main(1));
    b.send(BYTE_BUS, [b.main(2)]);
  },
};
const limbed = byteLimbs(probe);
const system = buildSystem('byte-limbs-probe', [{ air: limbed.air }, { air: byteTable.air, preprocessed: byteTable.preprocessed() }], new FriPcs(DEFAULT_PCS_PARAMS), true);

/** Proves rows (x, on, y, lo) with the byte table counting every limb that is a byte (a cheating prover's best). */
function proveRows(rows: readonly number[][]): ReturnType<typeof verify> {
  const counts = new Uint32Array(256);
  for (const [x, on, y, lo] of rows) {
    counts[y!]!++;
    if (on === 0) continue;
    const hi = F.mul(F.sub(x!, lo!), F.inv(256));
    if (lo! < 256) counts[lo!]!++;
    if (hi < 256) counts[hi]!++;
  }
  const proof = prove(system, [Matrix.fromRows(rows.map((r) => [...r])), new Matrix(counts, 1)], [], { seed: 'limbs', skipChecks: true });
  return verify(system, [], proof);
}

describe('byte limbs', () => {
  it('the limbed AIR sends bytes only: lo and (x − lo)/256 with the lookup’s multiplicity', () => {
    const a = analyze(limbed.air);
    expect(limbed.first).toBe(3);
    expect(limbed.count).toBe(1);
    expect(a.interactions.map((it) => it.bus)).toEqual([BYTE_BUS, BYTE_BUS, BYTE_BUS]);
    expect(a.interactions.every((it) => it.kind === 'send')).toBe(true);
  });

  it('extend appends lo = x mod 256 (0 where x is not a 16-bit value)', () => {
    const t = limbed.extend(Matrix.fromRows([[0x1234, 1, 0], [0xffff, 1, 7], [70_000, 0, 0], [3, 0, 255]]));
    expect([0, 1, 2, 3].map((r) => t.get(r, 3))).toEqual([0x34, 0xff, 0, 3]);
  });

  it('an honest trace proves over the byte table', () => {
    const rows = [[0, 1, 1], [255, 1, 2], [256, 1, 3], [65_535, 1, 4], [40_000, 0, 5], [1, 1, 6], [0x8000, 1, 7], [9, 1, 8]];
    const t = limbed.extend(Matrix.fromRows(rows));
    expect(proveRows(Array.from({ length: t.height }, (_, r) => [...t.row(r)]))).toEqual({ ok: true });
  });

  it('a value of 2^16 or more has no limb that makes both messages bytes, and does not verify', () => {
    for (const x of [1 << 16, 65_541, 1 << 20, F.P - 1]) {
      for (let lo = 0; lo < 256; lo++) expect(F.mul(F.sub(x, lo), F.inv(256))).toBeGreaterThanOrEqual(256);
    }
    const rows = [[1 << 16, 1, 0, 0], [1, 1, 0, 1], [2, 1, 0, 2], [3, 1, 0, 3]];
    expect(proveRows(rows).ok).toBe(false);
    // A wrong limb for an in-range value: hi is no byte.
    expect(proveRows([[0x1234, 1, 0, 0x35], [1, 1, 0, 1], [2, 1, 0, 2], [3, 1, 0, 3]]).ok).toBe(false);
  });

  it('the byte table counts the limbs of the 16-bit lookups', () => {
    const r = new RangeCounter();
    r.addU16(0x1234);
    r.addU16(0x3412);
    r.addByte(0x12);
    const t = r.limbedByteTrace();
    expect(t.get(0x12, 0)).toBe(3);
    expect(t.get(0x34, 0)).toBe(2);
    expect([...t.values].reduce((s, v) => s + v, 0)).toBe(5);
  });

  it('the machine of a program shorter than 2^18 cycles has no 16-bit table and no chip sends on the 16-bit bus', () => {
    // (A long program's machine has the table: test/vm/u16-range.test.ts.)
    expect(tableNames(everyOpcode().program)).not.toContain('u16-range');
    const m = machine(everyOpcode().program);
    for (const t of m.system.tables) expect(t.analyzed.interactions.some((it) => it.bus === U16_BUS)).toBe(false);
  });
});
