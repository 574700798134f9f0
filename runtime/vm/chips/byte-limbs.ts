/**
 * Byte limbs for the zkVM's 16-bit range checks (issue #18). The chips prove `0 <= v < 2^16` by sending (v) on
 * U16_BUS; a table answering that bus needs 2^16 rows whatever the program, and with zero knowledge it was the
 * tallest table of every step proof (57% of the demo step's committed cells, and the 2^20-point LDE). In the
 * machine, each chip's sends on U16_BUS become two lookups into the 256-row byte table instead:
 *
 *   send (v) on U16_BUS, multiplicity m   →   send (lo) and ((v − lo) / 256) on BYTE_BUS, each with multiplicity m
 *
 * with lo one new main column per such send, appended after the chip's own columns. Soundness: both messages are
 * in [0, 256) as integers, so v = lo + 256·hi holds in the field with lo + 256·hi < 2^16 < p, and v is that integer
 * in [0, 2^16), exactly what the 16-bit lookup proved. The limb is determined (lo = v mod 256): the under-constraint
 * checker finds it fixed on every row whose lookup counts, and free only on rows whose multiplicity is zero. The
 * multiplicities are the chip's own, so the LogUp bounds (air/multiplicity.ts) see the same bounded sends, twice
 * as many of them on the byte bus. The chips stay as they are (their unit tests and the conformance systems still
 * use the 16-bit table); the cost moves from a fixed 2^16 rows to one column per lookup, in the chips' own heights.
 */
import * as F from '../../proof/field/babybear.ts';
import { analyze, type Air, type AirBuilder } from '../../proof/air/air.ts';
import { Expr, type ExprLike } from '../../proof/air/expr.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { BYTE_BUS, U16_BUS } from '../buses.ts';
import { compileRowExpr, type RowFn } from './fp/row-check.ts';

const INV_256 = F.inv(256);

export interface LimbedChip {
  /** The chip's AIR with its 16-bit lookups as byte lookups (the same name: it is the machine's chip). */
  readonly air: Air;
  /** The chip's own AIR, its 16-bit lookups on U16_BUS: what a machine with the 16-bit table proves (machine.ts usesU16Range). */
  readonly plain: Air;
  /** The first limb column (the chip's own width) and how many there are (its sends on U16_BUS). */
  readonly first: number;
  readonly count: number;
  /** `trace` (the chip's own columns) with the limb columns appended: lo = v mod 256 of each lookup. */
  extend(trace: Matrix): Matrix;
  /** `s` for the limbed AIR: a limb is free on a row where its lookup's multiplicity is zero. */
  soundness(s: ChipSoundness): ChipSoundness;
}

/** `b` with its `send` replaced by `send` (which may call b.send): how a chip's lookups are rewritten. */
export function withSend(b: AirBuilder, send: (bus: number, values: readonly ExprLike[], multiplicity?: ExprLike) => void): AirBuilder {
  return new Proxy(b, {
    get(target, prop) {
      if (prop === 'send') return send;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** `air` with every send on U16_BUS replaced by two byte lookups over one new limb column (module comment). */
export function byteLimbs(air: Air): LimbedChip {
  const sends = analyze(air).interactions.filter((it) => it.bus === U16_BUS);
  if (sends.some((it) => it.kind !== 'send' || it.values.length !== 1)) throw new Error(`${air.name}: only single-value sends on the 16-bit bus can become byte limbs`);
  const first = air.width;
  const count = sends.length;
  const limbed: Air = {
    ...air,
    width: air.width + count,
    eval(b) {
      let j = 0;
      const send = (bus: number, values: readonly ExprLike[], multiplicity: ExprLike = 1): void => {
        if (bus !== U16_BUS) return b.send(bus, values, multiplicity);
        const v = Expr.of(values[0]!);
        const lo = b.main(first + j++);
        b.send(BYTE_BUS, [lo], multiplicity);
        b.send(BYTE_BUS, [v.sub(lo).mul(INV_256)], multiplicity);
      };
      air.eval(withSend(b, send));
      if (j !== count) throw new Error(`${air.name}: ${j} sends on the 16-bit bus, ${count} when analyzed`);
    },
  };
  let values: RowFn[] | null = null;
  let multiplicities: RowFn[] | null = null;
  return {
    air: limbed,
    plain: air,
    first,
    count,
    extend(trace) {
      if (trace.width !== first) throw new Error(`${air.name}: a trace of ${trace.width} columns, the chip has ${first}`);
      if (count === 0) return trace;
      values ??= sends.map((it) => compileRowExpr(it.values[0]!));
      const w = first + count;
      const out = new Uint32Array(trace.height * w);
      for (let r = 0; r < trace.height; r++) {
        const row = trace.row(r);
        out.set(row, r * w);
        for (let j = 0; j < count; j++) {
          const v = values[j]!(row);
          out[r * w + first + j] = v < 1 << 16 ? v & 0xff : 0;
        }
      }
      return new Matrix(out, w);
    },
    soundness(s) {
      if (count === 0) return s;
      multiplicities ??= sends.map((it) => compileRowExpr(it.multiplicity));
      const idle = (row: ArrayLike<number>): number[] => {
        const out: number[] = [];
        for (let j = 0; j < count; j++) if (multiplicities![j]!(row) === 0) out.push(first + j);
        return out;
      };
      return { ...s, free: [...(s.free ?? []), { columns: idle, reason: 'the byte limb of a 16-bit lookup whose multiplicity is zero on this row' }] };
    },
  };
}

/** The names of a limbed chip's columns: `names` (the chip's own), then `limb k` for each limb. */
export function limbNames(chip: LimbedChip, names: readonly string[]): string[] {
  return [...names, ...Array.from({ length: chip.count }, (_, k) => `limb ${k}`)];
}
