/**
 * The STARK layer of a verifier program (issue #24), on top of the PCS: what stark/verifier.ts checks after the
 * openings, as zkVM instructions.
 *
 *   - Per table, its constraints at ζ from their compiled bytecode (air/eval.ts `compiledConstraints`, the
 *     encoding the TypeScript verifier and the GPU quotient evaluate), combined with γ (Horner), must equal
 *     q(ζ)·Z_H(ζ), q(ζ) = Σ_c (ζ^L)^c · q_c(ζ) over the quotient's chunks (L = system.ts `zkLayout`'s chunk
 *     length, each chunk an extension column opened as one value: CommitLayout.packed).
 *   - The LogUp sums: the tables' claimed sums plus the statement's own messages (system.publicMessages,
 *     air/logup.ts `publicMessagesSum`) must vanish.
 *
 * Values are extension words (coefficients in lanes 0..3, zeros after). Constant subtrees of a constraint are
 * folded when the program is built; a product by a base constant is one `scale`, by anything else one `emul`;
 * a quotient a/b is the hint 1/b (`advice extInverse`) checked with `emul`.
 */
import * as E from '../proof/field/extension.ts';
import * as F from '../proof/field/babybear.ts';
import { CONSTRAINT_OPS, CONSTRAINT_RECORD, compiledConstraints } from '../proof/air/eval.ts';
import { CHALLENGE_BETA, challengeAlpha } from '../proof/air/logup.ts';
import { statementMessages, zkLayout, type StarkSystem } from '../proof/stark/system.ts';
import type { Assembler } from '../vm/assembler.ts';
import { lane0, type ElemRef } from './elements.ts';

const word = (e: E.Ext): number[] => [...e, 0, 0, 0, 0];

/** Extension arithmetic on program words, with build-time constants folded. */
export class ExtOps {
  private readonly zeroWord: number;
  constructor(readonly asm: Assembler) {
    this.zeroWord = asm.constant(0);
  }
  constant(e: E.Ext): number {
    return this.asm.constant(word(e));
  }
  add(a: number, b: number): number {
    const c = this.asm.alloc();
    this.asm.add(c, a, b);
    return c;
  }
  sub(a: number, b: number): number {
    const c = this.asm.alloc();
    this.asm.sub(c, a, b);
    return c;
  }
  mul(a: number, b: number): number {
    const c = this.asm.alloc();
    this.asm.emul(c, a, b);
    return c;
  }
  /** s·a for a base constant s. */
  scale(s: number, a: number): number {
    const c = this.asm.alloc();
    this.asm.scale(c, this.asm.constant(s), a);
    return c;
  }
  neg(a: number): number {
    return this.sub(this.zeroWord, a);
  }
  /** 1/a, the hint checked: the program fails when a is 0 (`what` names it). */
  inverse(a: number, what: string): number {
    const inv = this.asm.alloc();
    this.asm.advice('extInverse', inv, a, a);
    this.asm.assertEq(this.mul(a, inv), this.constant(E.ONE), `${what} is not invertible`);
    return inv;
  }
  /** a^e by squaring (e ≥ 1); `squares[k]` caches a^(2^k) across calls for the same a. */
  pow(a: number, e: number, squares: number[]): number {
    if (squares.length === 0) squares.push(a);
    let acc: number | null = null;
    for (let k = 0; 2 ** k <= e; k++) {
      while (squares.length <= k) squares.push(this.mul(squares[squares.length - 1]!, squares[squares.length - 1]!));
      if (Math.floor(e / 2 ** k) % 2 === 1) acc = acc === null ? squares[k]! : this.mul(acc, squares[k]!);
    }
    return acc ?? this.constant(E.ONE);
  }
  assertZero(a: number, message: string): void {
    this.asm.assertEq(a, this.zeroWord, message);
  }
}

/** A value while a constraint is evaluated: a build-time constant or a word. */
type Val = { readonly c: E.Ext } | { readonly w: number };

/** One table's inputs at ζ: opened values as words (null: a column not opened there, read as 0). */
export interface TableAtZeta {
  readonly logN: number;
  /** The proof's cap on its tall quotients (system.ts `quotientLogCap`): with logN, the quotient's chunk layout. */
  readonly quotientLogCap: number;
  /** [point][column] for the main and preprocessed traces, [point][extension column] for the auxiliary one. */
  readonly main: readonly (readonly (number | null)[])[];
  readonly pre: readonly (readonly (number | null)[])[];
  readonly aux: readonly (readonly (number | null)[])[];
  /** The quotient's opened base columns at ζ (4 per chunk). */
  readonly quotient: readonly number[];
  /** The claimed LogUp sum over the table's height, T·n⁻¹ (the constraints' `sumPerRow` leaf). */
  readonly sumPerRow: number;
}

/** The verifier's shared words: ζ, γ, the LogUp challenges, the publics (base elements). */
export interface ZetaContext {
  readonly zeta: number;
  readonly gamma: number;
  readonly challenges: readonly number[];
  readonly publics: readonly ElemRef[];
}


/**
 * Checks table i's constraint identity at ζ: Σ_j γ^j C_j(ζ) = q(ζ)·Z_H(ζ). `zetaSquares` is shared across tables
 * (ζ^(2^k)). The program fails with `<air>: the constraints do not hold at the out-of-domain point`.
 */
export function checkTableAtZeta(ops: ExtOps, system: StarkSystem<unknown>, i: number, ctx: ZetaContext, at: TableAtZeta, zetaSquares: number[]): void {
  const t = system.tables[i]!;
  const name = t.analyzed.air.name;
  const { logN } = at;
  const program = compiledConstraints(t.constraints, t.constraints.map((c) => c.expr));
  const asm = ops.asm;
  const zetaN = ops.pow(ctx.zeta, 2 ** logN, zetaSquares);
  const zH = ops.sub(zetaN, ops.constant(E.ONE));
  const omegaInv = F.inv(F.rootOfUnity(logN));
  let transition: number | null = null;
  const selector = new Map<number, number>();
  const transitionWord = () => (transition ??= ops.sub(ctx.zeta, ops.constant(E.fromBase(omegaInv))));
  const sel = (op: number): number => {
    let s = selector.get(op);
    if (s !== undefined) return s;
    if (op === CONSTRAINT_OPS.isTransition) s = transitionWord();
    else if (op === CONSTRAINT_OPS.isFirstRow) s = ops.mul(zH, ops.inverse(ops.sub(ctx.zeta, ops.constant(E.ONE)), `${name}: ζ − 1`));
    else s = ops.mul(zH, ops.inverse(transitionWord(), `${name}: ζ − ω⁻¹`));
    selector.set(op, s);
    return s;
  };
  const publicWords = new Map<number, number>();
  const toWord = (v: Val): number => ('w' in v ? v.w : ops.constant(v.c));
  const column = (rows: TableAtZeta['main'], next: boolean, k: number, what: string): Val => {
    const row = rows[next ? 1 : 0];
    if (row === undefined || k >= row.length) throw new RangeError(`${name}: constraint reads ${what} column ${k}${next ? ' at the next row' : ''}, not opened`);
    const w = row[k];
    return w === null || w === undefined ? { c: E.ZERO } : { w };
  };
  const { code } = program;
  const n = code.length / CONSTRAINT_RECORD;
  const values: Val[] = new Array(n);
  for (let id = 0, o = 0; id < n; id++, o += CONSTRAINT_RECORD) {
    const op = code[o]!;
    const a = code[o + 2]!, b = code[o + 3]!, k = code[o + 4]!, next = code[o + 5] === 1;
    let v: Val;
    switch (op) {
      case CONSTRAINT_OPS.const:
        v = { c: E.fromBase(k) };
        break;
      case CONSTRAINT_OPS.public: {
        if (k >= ctx.publics.length) {
          v = { c: E.ZERO };
          break;
        }
        let w = publicWords.get(k);
        if (w === undefined) publicWords.set(k, (w = lane0(asm, ctx.publics[k]!)));
        v = { w };
        break;
      }
      case CONSTRAINT_OPS.main:
        v = column(at.main, next, k, 'main');
        break;
      case CONSTRAINT_OPS.pre:
        v = column(at.pre, next, k, 'preprocessed');
        break;
      case CONSTRAINT_OPS.aux:
        v = column(at.aux, next, k, 'auxiliary');
        break;
      case CONSTRAINT_OPS.challenge:
        v = { w: ctx.challenges[k]! };
        break;
      case CONSTRAINT_OPS.sumPerRow:
        v = { w: at.sumPerRow };
        break;
      case CONSTRAINT_OPS.isFirstRow:
      case CONSTRAINT_OPS.isLastRow:
      case CONSTRAINT_OPS.isTransition:
        v = { w: sel(op) };
        break;
      case CONSTRAINT_OPS.neg: {
        const x = values[a]!;
        v = 'c' in x ? { c: E.neg(x.c) } : { w: ops.neg(x.w) };
        break;
      }
      case CONSTRAINT_OPS.add:
      case CONSTRAINT_OPS.sub: {
        const x = values[a]!, y = values[b]!;
        const isAdd = op === CONSTRAINT_OPS.add;
        if ('c' in x && 'c' in y) v = { c: isAdd ? E.add(x.c, y.c) : E.sub(x.c, y.c) };
        else if ('c' in y && E.isZero(y.c)) v = x;
        else if ('c' in x && E.isZero(x.c) && isAdd) v = y;
        else v = { w: isAdd ? ops.add(toWord(x), toWord(y)) : ops.sub(toWord(x), toWord(y)) };
        break;
      }
      case CONSTRAINT_OPS.mul: {
        const x = values[a]!, y = values[b]!;
        if ('c' in x && 'c' in y) v = { c: E.mul(x.c, y.c) };
        else if ('c' in x || 'c' in y) {
          const [c, w] = 'c' in x ? [x.c, (y as { w: number }).w] : [(y as { c: E.Ext }).c, (x as { w: number }).w];
          if (E.isZero(c)) v = { c: E.ZERO };
          else if (E.equals(c, E.ONE)) v = { w };
          else v = { w: E.isBase(c) ? ops.scale(c[0], w) : ops.mul(ops.constant(c), w) };
        } else v = { w: ops.mul(x.w, y.w) };
        break;
      }
      default:
        throw new RangeError(`${name}: constraint opcode ${op} at node ${id}`);
    }
    values[id] = v;
  }
  // Σ_j γ^j C_j by Horner from the last constraint.
  const roots = Array.from(program.roots, (r) => values[r]!);
  let combined = toWord(roots[roots.length - 1]!);
  for (let j = roots.length - 2; j >= 0; j--) combined = ops.add(ops.mul(combined, ctx.gamma), toWord(roots[j]!));
  // q(ζ) = Σ_c (ζ^L)^c q_c(ζ).
  const { chunks, chunkLength } = zkLayout(system, i, logN, at.quotientLogCap);
  if (at.quotient.length !== chunks) throw new RangeError(`${name}: ${at.quotient.length} quotient chunks opened, the layout has ${chunks}`);
  const zetaL = ops.pow(ctx.zeta, chunkLength, zetaSquares);
  let q: number | null = null;
  for (let c = chunks - 1; c >= 0; c--) {
    const chunk = at.quotient[c]!;
    q = q === null ? chunk : ops.add(ops.mul(q, zetaL), chunk);
  }
  asm.assertEq(combined, ops.mul(q!, zH), `${name}: the constraints do not hold at the out-of-domain point`);
}

/** A statement message in terms of the publics: each value a public's index or a constant. */
export interface MessageShape {
  readonly bus: number;
  readonly values: readonly ({ readonly public: number } | { readonly constant: number })[];
  readonly multiplicity: number;
}

/** Publics no honest statement would pick, distinct at every index (a probe of the messages' structure). */
function probe(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((BigInt(i + 1) * 0x9e3779b1n + BigInt(seed) * 0x85ebca6bn) % BigInt(F.P)));
}

/**
 * The statement's messages (system.publicMessages) as shapes over the publics, read off the system by probing it
 * with three unrelated public vectors: a value equal across the probes is a constant, one that follows public j
 * is public j. A system whose messages are not of this form (a multiplicity or a count that depends on the
 * publics, a value computed from them) has no verifier program: the build throws.
 */
export function statementShapes(system: StarkSystem<unknown>): MessageShape[] {
  if (!system.publicMessages) return [];
  const probes = [1, 2, 3].map((s) => probe(system.publicInputs, s));
  const [a, b, c] = probes.map((p) => statementMessages(system, p));
  const fail = (why: string) => new RangeError(`system ${system.name}: its statement messages are not expressible in a verifier program (${why})`);
  if (a!.length !== b!.length || a!.length !== c!.length) throw fail('their count depends on the publics');
  return a!.map((m, i) => {
    const others = [b![i]!, c![i]!];
    if (others.some((o) => o.bus !== m.bus || o.multiplicity !== m.multiplicity || o.values.length !== m.values.length)) throw fail(`message ${i}'s bus, multiplicity or length depends on the publics`);
    return {
      bus: m.bus,
      multiplicity: m.multiplicity,
      values: m.values.map((v, k) => {
        if (others.every((o) => o.values[k] === v)) return { constant: v };
        const j = probes[0]!.indexOf(v);
        if (j >= 0 && others.every((o, p) => o.values[k] === probes[p + 1]![j])) return { public: j };
        throw fail(`message ${i} value ${k} is neither a constant nor a public input`);
      }),
    };
  });
}

/**
 * Checks that the LogUp sums cancel: Σ claimed sums + Σ_m mult_m / (β − φ(m)) = 0 over the statement's messages
 * (φ(m) = bus + Σ_k α_k·v_k), as stark/verifier.ts does.
 */
export function checkLogUpSums(ops: ExtOps, shapes: readonly MessageShape[], ctx: ZetaContext, claimedSums: readonly number[]): void {
  const asm = ops.asm;
  let total: number | null = null;
  const plus = (w: number) => (total = total === null ? w : ops.add(total, w));
  for (const s of claimedSums) plus(s);
  shapes.forEach((m, i) => {
    let fp = ops.constant(E.fromBase(m.bus));
    m.values.forEach((v, k) => {
      const alpha = ctx.challenges[challengeAlpha(k)]!;
      const term = 'constant' in v ? ops.scale(v.constant, alpha) : (() => {
        const c = asm.alloc();
        asm.scale(c, lane0(asm, ctx.publics[v.public]!), alpha);
        return c;
      })();
      fp = ops.add(fp, term);
    });
    const inv = ops.inverse(ops.sub(ctx.challenges[CHALLENGE_BETA]!, fp), `statement message ${i}'s LogUp denominator`);
    const mult = m.multiplicity >= 0 ? m.multiplicity % F.P : (F.P - (-m.multiplicity % F.P)) % F.P;
    plus(ops.scale(mult, inv));
  });
  if (total !== null) ops.assertZero(total, 'the LogUp sums of the tables do not cancel: a bus message is unmatched');
}
