/**
 * Which relations between A's and B's state hold after every step of every run, for the induction of decide.ts:
 * the two policies count the same things in their own state fields, under their own names, sometimes split
 * differently (one total in A, three parts in B), so the induction needs to know how the two states relate.
 *
 * Candidates, between fields of one type:
 *   - a number and a sum of numbers: Σ (x − x₀) over some of A's fields = Σ (y − y₀) over some of B's, each
 *     counted from its initial value (x₀, a term of the spec), one side a single field; equal at genesis by
 *     construction;
 *   - any other value (bool, enum, digest, array): equality, which must hold of the initial values.
 * Houdini: keep the candidates that hold initially; then, assuming all that remain hold before a generic step,
 * drop those that a model of the step breaks, until one step preserves all that remain (they are then
 * inductive together). Models are looked for first with the records fixed to a few chosen values (the states
 * free), which keeps the arithmetic linear where the policies multiply record fields, then with all free. A
 * round the solver cannot decide is retried one candidate at a time; a candidate it cannot decide is dropped,
 * which is sound (fewer facts for the induction).
 */
import type { Leaf, PolicyEncoding, TypedField } from './encode.ts';
import type { Arithmetic, BoolSym, Formula, NumSym, Sym, Z } from './symbolic.ts';

export interface Candidate {
  readonly a: readonly string[];
  readonly b: readonly string[];
  /** Counted from initial values (numbers), or plain equality. */
  readonly sum: boolean;
}

/** The states and steps the candidates are checked over. */
export interface StepFrame {
  readonly initA: ReadonlyMap<string, Sym>;
  readonly initB: ReadonlyMap<string, Sym>;
  readonly initOk: Formula[];
  readonly preA: ReadonlyMap<string, Sym>;
  readonly preB: ReadonlyMap<string, Sym>;
  readonly postA: ReadonlyMap<string, Sym>;
  readonly postB: ReadonlyMap<string, Sym>;
  readonly stepOk: Formula[];
}

export type Solve = (formulas: Formula[]) => Promise<{ status: 'sat' | 'unsat' | 'unknown'; model?: { eval(t: Formula, completion: boolean): Formula } }>;

/** Largest group of fields of one type whose subsets are tried as sums. */
const MAX_SUM_GROUP = 5;

function subsets<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << xs.length; mask++) out.push(xs.filter((_, i) => mask & (1 << i)));
  return out;
}

export function candidates(pa: PolicyEncoding, pb: PolicyEncoding, typeKey: (f: TypedField) => string): Candidate[] {
  const out: Candidate[] = [];
  const keys = new Set(pa.stateFields.map(typeKey));
  for (const key of keys) {
    const xs = pa.stateFields.filter((f) => typeKey(f) === key).map((f) => f.name);
    const ys = pb.stateFields.filter((f) => typeKey(f) === key).map((f) => f.name);
    if (ys.length === 0) continue;
    const numeric = pa.stateFields.find((f) => f.name === xs[0])!.type.kind === 'num';
    if (!numeric) {
      for (const x of xs) for (const y of ys) out.push({ a: [x], b: [y], sum: false });
      continue;
    }
    const groupsA = xs.length <= MAX_SUM_GROUP ? subsets(xs) : xs.map((x) => [x]);
    const groupsB = ys.length <= MAX_SUM_GROUP ? subsets(ys) : ys.map((y) => [y]);
    for (const x of xs) for (const g of groupsB) out.push({ a: [x], b: g, sum: true });
    for (const g of groupsA) if (g.length > 1) for (const y of ys) out.push({ a: g, b: [y], sum: true });
  }
  return out;
}

/** The candidate as a formula over states `sa` (A's) and `sb` (B's). */
function relation(ar: Arithmetic, c: Candidate, frame: StepFrame, sa: ReadonlyMap<string, Sym>, sb: ReadonlyMap<string, Sym>): BoolSym {
  if (!c.sum) return ar.equal(sa.get(c.a[0]!)!, sb.get(c.b[0]!)!, '');
  const grown = (names: readonly string[], s: ReadonlyMap<string, Sym>, init: ReadonlyMap<string, Sym>) =>
    names.map((n) => ar.add(s.get(n) as NumSym, init.get(n) as NumSym, -1n)).reduce((x, y) => ar.add(x, y));
  return ar.equal(grown(c.a, sa, frame.initA), grown(c.b, sb, frame.initB), '');
}

export function describe(c: Candidate): string {
  const side = (names: readonly string[], who: string) => names.map((n) => `${who}.${n}`).join(' + ');
  return `${side(c.a, 'A')} = ${side(c.b, 'B')}${c.sum ? ' (each counted from its initial value)' : ''}`;
}

/** The candidates that hold after every step, inductively, and the relations at the frame's pre-state. */
/** Values for the record variables, from a fixed seed (xorshift): small numbers, so that models stay small. */
function chosen(z: Z, leaves: readonly Leaf[], seed: number): Formula[] {
  let x = seed >>> 0 || 1;
  const next = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  return leaves.map((l) => {
    if (l.kind === 'bool') return next(2) ? l.t : z.Not(l.t);
    const v = BigInt(next(Number(l.high < 1000n ? l.high : 1000n)));
    return l.t.eq(l.kind === 'int' ? z.Int.val(v) : z.Real.val(v));
  });
}

export async function correspondences(z: Z, ar: Arithmetic, domain: Formula[], leaves: readonly Leaf[], frame: StepFrame, all: Candidate[], solve: Solve): Promise<{ kept: Candidate[]; before: Formula[] }> {
  // Houdini, one query per round: a model that breaks some candidates names them all.
  const refine = async (live: Candidate[], premises: Formula[], goal: (c: Candidate) => BoolSym, hypothesis?: (c: Candidate) => BoolSym): Promise<Candidate[]> => {
    const round = async (cands: Candidate[], fixed: Formula[]) => {
      const broken = cands.map((c) => ar.not(goal(c)));
      const r = await solve([...domain, ...fixed, ...premises, ...(hypothesis ? live.map((c) => hypothesis(c).t) : []), ar.or(...broken).t]);
      return { status: r.status, broken: r.status === 'sat' ? cands.filter((_, i) => z.isTrue(r.model!.eval(broken[i]!.t, true))) : [] };
    };
    for (const seed of [0x2545f491, 0x9e3779b9]) {
      for (let r = await round(live, chosen(z, leaves, seed)); r.broken.length > 0 && live.length > 0; r = await round(live, chosen(z, leaves, seed))) {
        live = live.filter((c) => !r.broken.includes(c));
      }
    }
    for (;;) {
      if (live.length === 0) return live;
      const r = await round(live, []);
      if (r.status === 'unsat') return live;
      if (r.status === 'sat' && r.broken.length > 0) {
        live = live.filter((c) => !r.broken.includes(c));
        continue;
      }
      // Undecided: one candidate at a time, keeping only those shown to hold given all.
      const kept: Candidate[] = [];
      for (const c of live) if ((await round([c], [])).status === 'unsat') kept.push(c);
      if (kept.length === live.length) return live;
      live = kept;
    }
  };
  const initially = await refine(
    all.filter((c) => !c.sum),
    frame.initOk,
    (c) => relation(ar, c, frame, frame.initA, frame.initB),
  );
  const kept = await refine(
    [...initially, ...all.filter((c) => c.sum)],
    frame.stepOk,
    (c) => relation(ar, c, frame, frame.postA, frame.postB),
    (c) => relation(ar, c, frame, frame.preA, frame.preB),
  );
  return { kept, before: kept.map((c) => relation(ar, c, frame, frame.preA, frame.preB).t) };
}
