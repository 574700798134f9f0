/**
 * Passes over the IR (ir.ts), run in this order by `optimize`:
 *
 *   fold    an instruction whose operands are all constants becomes a constant, computed by the machine's own
 *           reference (field arithmetic, wideExecute, Poseidon2), so folding cannot disagree with execution;
 *           a wide operation that would trap on its constants is kept, so the run still fails where it should;
 *           an assertion on constants that holds is dropped.
 *   range   an upper bound for every wide value (constants exactly, tape reads 2^128 − 1, sums and products
 *           from their operands, comparisons 1); a wide operation whose bounds show it cannot overflow is
 *           marked safe, and one whose operands and result stay below 2^32 uses the 32-bit form.
 *   dce     instructions whose value nobody uses are removed unless they have an effect; wide operations are
 *           effects (they can trap) unless range analysis marked them safe.
 *   cse     identical pure instructions are merged (the builder already hash-conses; folding can create new
 *           duplicates, such as two constants of the same word).
 */
import { adviceValue, compressPair, fieldAdd, fieldMul, fieldSub, wideExecute } from '../runtime/vm/semantics.ts';
import type { WideOp } from '../runtime/vm/buses.ts';
import { wideWord, wordsEqual, type Word } from '../runtime/vm/word.ts';
import { ADVICE } from '../runtime/vm/isa.ts';
import { hasEffect, operands, readsVariable, type IrFunction, type IrInstr } from './ir.ts';

const MAX_128 = (1n << 128n) - 1n;
const LIMIT_32 = 1n << 32n;

export interface RangeFacts {
  /** Upper bound of each wide value (by instruction index); undefined for other types. */
  readonly bounds: readonly (bigint | undefined)[];
  /** Wide operations proven not to trap. */
  readonly safe: ReadonlySet<number>;
}

export interface OptimizeReport {
  readonly before: number;
  readonly after: number;
  readonly folded: number;
  readonly wideOps: number;
  readonly provenSafe: number;
  readonly narrowed: number;
}

function wideBig(w: Word): bigint {
  let x = 0n;
  for (let i = 7; i >= 0; i--) x = (x << 16n) | BigInt(w[i]!);
  return x;
}

/** Rebuilds `f` keeping the instructions `keep` selects, with operands renumbered and `replace` applied. */
function rebuild(f: IrFunction, instrs: readonly IrInstr[], keep: (id: number) => boolean, replace: (id: number) => number = (x) => x): IrFunction {
  const map = new Map<number, number>();
  const out: IrInstr[] = [];
  instrs.forEach((ins, id) => {
    const target = replace(id);
    if (target !== id) {
      map.set(id, map.get(target)!);
      return;
    }
    if (!keep(id)) return;
    const args = operands(ins).map((a) => {
      const m = map.get(a);
      if (m === undefined) throw new Error(`IR: operand %${a} of %${id} was removed`);
      return m;
    });
    map.set(id, out.length);
    out.push('args' in ins ? ({ ...ins, args } as unknown as IrInstr) : ins);
  });
  return { ...f, instrs: out };
}

export function fold(f: IrFunction): { f: IrFunction; folded: number } {
  const instrs = [...f.instrs];
  const constOf = (id: number): Word | null => {
    const i = instrs[id]!;
    return i.op === 'const' ? i.word : null;
  };
  let folded = 0;
  const dropped = new Set<number>();
  instrs.forEach((ins, id) => {
    const args = operands(ins).map(constOf);
    if (args.length === 0 || args.some((a) => a === null)) return;
    const [a, b] = args as Word[];
    let word: Word | null = null;
    switch (ins.op) {
      case 'add':
        word = a!.map((x, k) => fieldAdd(x, b![k]!));
        break;
      case 'sub':
        word = a!.map((x, k) => fieldSub(x, b![k]!));
        break;
      case 'mul':
        word = a!.map((x, k) => fieldMul(x, b![k]!));
        break;
      case 'scale':
        word = b!.map((x) => fieldMul(a![0]!, x));
        break;
      case 'eq':
        word = [a![0] === b![0] ? 1 : 0, 0, 0, 0, 0, 0, 0, 0];
        break;
      case 'hash':
        word = Array.from(compressPair(a!, b!));
        break;
      case 'wide': {
        const r = wideExecute(ins.wide, a!, b!);
        if (r.ok) word = r.c;
        break;
      }
      case 'lane':
        word = [a![ins.lane]!, 0, 0, 0, 0, 0, 0, 0];
        break;
      case 'pack':
        word = [a![0]!, b![0]!, 0, 0, 0, 0, 0, 0];
        break;
      case 'advice': {
        if (ins.advice === 'limbs') {
          word = wideWord(BigInt(a![0]!));
          break;
        }
        const v = adviceValue(ADVICE[ins.advice], wideBig(a!), wideBig(b!));
        if (v !== null && v < 1n << 128n) word = wideWord(v);
        break;
      }
      case 'assert':
        if (a![0] === 1) dropped.add(id);
        break;
      case 'assertEq':
        if (wordsEqual(a!, b!)) dropped.add(id);
        break;
    }
    if (word) {
      instrs[id] = { op: 'const', word, type: ins.type, at: ins.at, region: ins.region };
      folded++;
    }
  });
  return { f: rebuild(f, instrs, (id) => !dropped.has(id)), folded: folded + dropped.size };
}

export function cse(f: IrFunction): IrFunction {
  const seen = new Map<string, number>();
  const rep: number[] = [];
  const keyed = f.instrs.map((ins, id) => {
    const args = operands(ins).map((a) => rep[a]!);
    // A wide operation that may trap is an effect, but two identical ones trap alike: one suffices.
    const pure = (!hasEffect(ins) || ins.op === 'wide') && !readsVariable(f.instrs, ins);
    const { type: _type, at: _at, region: _region, ...op } = ins;
    const key = pure ? JSON.stringify({ ...op, args }) : null;
    const hit = key !== null ? seen.get(key) : undefined;
    rep[id] = hit ?? id;
    if (key !== null && hit === undefined) seen.set(key, id);
    return rep[id]!;
  });
  return rebuild(f, f.instrs, () => true, (id) => keyed[id]!);
}

export function rangeAnalysis(f: IrFunction): RangeFacts {
  const bounds: (bigint | undefined)[] = [];
  const safe = new Set<number>();
  f.instrs.forEach((ins, id) => {
    if (ins.type !== 'wide') return;
    if (ins.op === 'const') bounds[id] = wideBig(ins.word);
    else if (ins.op === 'wide') {
      const [ua, ub] = ins.args.map((a) => bounds[a] ?? MAX_128) as [bigint, bigint];
      const base = ins.wide.replace(/(128|32)$/, '');
      let bound: bigint;
      let ok: boolean;
      if (base === 'add') [bound, ok] = [ua + ub, ua + ub <= MAX_128];
      else if (base === 'mul') [bound, ok] = [ua * ub, ua * ub <= MAX_128];
      else if (base === 'sub') [bound, ok] = [ua, false]; // a − b ≥ 0 needs a lower bound on a; stays checked
      else [bound, ok] = [1n, true]; // lt
      bounds[id] = bound > MAX_128 ? MAX_128 : bound;
      // Operands read from the tape are range-checked by the op itself; "safe" means no overflow trap.
      if (ok) safe.add(id);
    } else if (ins.op === 'add' || ins.op === 'sub' || ins.op === 'scale') {
      // Selects (y + scale(c, x − y)) of wide values: bounded by the larger operand's bound where known.
      bounds[id] = MAX_128;
    } else bounds[id] = MAX_128;
  });
  return { bounds, safe };
}

/** 32-bit forms where the operands and the result provably stay below 2^32 (the chips check limbs 2..7 are 0). */
function narrow(f: IrFunction, facts: RangeFacts): { f: IrFunction; narrowed: number } {
  let narrowed = 0;
  const instrs = f.instrs.map((ins, id) => {
    if (ins.op !== 'wide' || !ins.wide.endsWith('128')) return ins;
    const small = (x: bigint | undefined) => x !== undefined && x < LIMIT_32;
    const result = facts.bounds[id];
    if (!ins.args.every((a) => small(facts.bounds[a])) || !(ins.wide.startsWith('lt') || small(result))) return ins;
    narrowed++;
    return { ...ins, wide: ins.wide.replace('128', '32') as WideOp };
  });
  return { f: { ...f, instrs }, narrowed };
}

export function dce(f: IrFunction, safe: ReadonlySet<number>): IrFunction {
  const live = new Array<boolean>(f.instrs.length).fill(false);
  for (let id = f.instrs.length - 1; id >= 0; id--) {
    const ins = f.instrs[id]!;
    const effect = ins.op === 'wide' ? !safe.has(id) : hasEffect(ins);
    if (effect) live[id] = true;
    if (live[id]) for (const a of operands(ins)) live[a] = true;
  }
  return rebuild(f, f.instrs, (id) => live[id]!);
}

export function optimize(f: IrFunction): { f: IrFunction; report: OptimizeReport } {
  const before = f.instrs.length;
  const folded = fold(f);
  let g = cse(folded.f);
  const facts = rangeAnalysis(g);
  const n = narrow(g, facts);
  g = dce(n.f, facts.safe);
  const wideOps = g.instrs.filter((i) => i.op === 'wide').length;
  const finalFacts = rangeAnalysis(g);
  const provenSafe = g.instrs.filter((i, id) => i.op === 'wide' && finalFacts.safe.has(id)).length;
  return { f: g, report: { before, after: g.instrs.length, folded: folded.folded, wideOps, provenSafe, narrowed: n.narrowed } };
}
