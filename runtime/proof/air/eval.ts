/**
 * Evaluating constraint expressions: on vectors of rows (the prover, on the trace domain or on the quotient
 * domain) and at a single out-of-domain point (the verifier). Both follow the same rules, so the identity the
 * verifier checks at ζ is the one the prover divided by Z_H.
 *
 * Selectors. With Z_H(x) = xⁿ − 1:
 *     isFirstRow(x) = Z_H(x) / (x − 1),  isLastRow(x) = Z_H(x) / (x − ω⁻¹),  isTransition(x) = x − ω⁻¹.
 * On H they vanish everywhere but at their row (first, last) or only at the last row (transition); they are
 * unnormalised Lagrange polynomials, which is all a constraint `selector · C = 0` needs.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import type { Expr } from './expr.ts';
import { topologicalOrder } from './expr.ts';

/**
 * A matrix the evaluator reads: point r of the domain is row r·step of `values` (step 1 when absent), so that a
 * committed extension on a coset 2^d times larger, whose every 2^d-th row lies on the quotient domain, is read in
 * place instead of copied (stark/prover.ts onQuotientDomain).
 */
export interface InputMatrix {
  readonly values: Uint32Array;
  readonly width: number;
  readonly step?: number;
}

/** The row-major inputs a vector evaluation reads. Rows are indexed cyclically in [0, height). */
export interface VectorInputs {
  readonly height: number;
  /** Rows between a row and its successor in the trace order (1 on H_n; N/n on a domain of size N). */
  readonly nextOffset: number;
  readonly main: InputMatrix;
  readonly pre: InputMatrix | null;
  /** Packed extension columns: element (row, col) at words 4·(row·step·width + col). */
  readonly aux: InputMatrix | null;
  readonly selectors: { readonly first: Uint32Array; readonly last: Uint32Array; readonly transition: Uint32Array };
  readonly publics: readonly number[];
  readonly challenges: readonly E.Ext[];
  /** The table's claimed LogUp sum over its height, T·n⁻¹ (the `sumPerRow` leaf). */
  readonly sumPerRow: E.Ext;
}

/**
 * The inputs with every matrix read with a step copied to the rows it reads (step 1): for a consumer that moves
 * each matrix whole (the CUDA quotient uploads them to the device), where a step of 2^d would move 2^d times the rows.
 */
export function denseInputs(inputs: VectorInputs): VectorInputs {
  const dense = (m: InputMatrix | null, wordsPerColumn: number): InputMatrix | null => {
    if (m === null || (m.step ?? 1) === 1) return m;
    const row = wordsPerColumn * m.width;
    const stride = row * m.step!;
    const values = new Uint32Array(inputs.height * row);
    for (let r = 0; r < inputs.height; r++) values.set(m.values.subarray(r * stride, r * stride + row), r * row);
    return { values, width: m.width };
  };
  return { ...inputs, main: dense(inputs.main, 1)!, pre: dense(inputs.pre, 1), aux: dense(inputs.aux, 4) };
}

/**
 * Inputs to evaluate a table's own constraints on a bare main trace on H_n (no preprocessed or auxiliary columns,
 * public inputs or challenges): how chip tests and the conformance checker find which rows break which constraint.
 */
export function traceInputs(main: { readonly values: Uint32Array; readonly width: number; readonly height: number }): VectorInputs {
  return {
    height: main.height,
    nextOffset: 1,
    main,
    pre: null,
    aux: null,
    selectors: traceSelectors(Math.log2(main.height)),
    publics: [],
    challenges: [],
    sumPerRow: E.ZERO,
  };
}

/** A vector of `len` values: base (one word each) or extension (four words each). */
export interface Vec {
  readonly ext: boolean;
  readonly data: Uint32Array;
}

/**
 * Evaluates `roots` on rows [start, start + len) and returns their vectors (same order). Shared sub-expressions
 * are evaluated once.
 */
export function evaluateRows(roots: readonly Expr[], inputs: VectorInputs, start: number, len: number): Vec[] {
  const order = topologicalOrder(roots);
  const values = new Map<Expr, Vec>();
  const n = inputs.height;
  for (const e of order) {
    const node = e.node;
    let out: Vec;
    switch (node.op) {
      case 'const':
        out = { ext: false, data: new Uint32Array(len).fill(node.value) };
        break;
      case 'public':
        out = { ext: false, data: new Uint32Array(len).fill(inputs.publics[node.index] ?? 0) };
        break;
      case 'main':
      case 'pre': {
        const m = node.op === 'main' ? inputs.main : inputs.pre;
        if (!m) throw new Error('this table has no preprocessed columns');
        const data = new Uint32Array(len);
        const shift = node.next ? inputs.nextOffset : 0;
        const stride = (m.step ?? 1) * m.width;
        for (let i = 0; i < len; i++) {
          let r = start + i + shift;
          if (r >= n) r -= n;
          data[i] = m.values[r * stride + node.col]!;
        }
        out = { ext: false, data };
        break;
      }
      case 'aux': {
        const m = inputs.aux;
        if (!m) throw new Error('this table has no auxiliary columns');
        const data = new Uint32Array(4 * len);
        const shift = node.next ? inputs.nextOffset : 0;
        const stride = (m.step ?? 1) * m.width;
        for (let i = 0; i < len; i++) {
          let r = start + i + shift;
          if (r >= n) r -= n;
          const o = 4 * (r * stride + node.col);
          data[4 * i] = m.values[o]!;
          data[4 * i + 1] = m.values[o + 1]!;
          data[4 * i + 2] = m.values[o + 2]!;
          data[4 * i + 3] = m.values[o + 3]!;
        }
        out = { ext: true, data };
        break;
      }
      case 'challenge':
      case 'sumPerRow': {
        const c = node.op === 'sumPerRow' ? inputs.sumPerRow : inputs.challenges[node.index]!;
        const data = new Uint32Array(4 * len);
        for (let i = 0; i < len; i++) data.set(c, 4 * i);
        out = { ext: true, data };
        break;
      }
      case 'isFirstRow':
      case 'isLastRow':
      case 'isTransition': {
        const s = node.op === 'isFirstRow' ? inputs.selectors.first : node.op === 'isLastRow' ? inputs.selectors.last : inputs.selectors.transition;
        out = { ext: false, data: s.subarray(start, start + len) };
        break;
      }
      case 'neg': {
        const a = values.get(node.a)!;
        const data = new Uint32Array(a.data.length);
        for (let i = 0; i < data.length; i++) data[i] = F.neg(a.data[i]!);
        out = { ext: a.ext, data };
        break;
      }
      case 'add':
      case 'sub':
        out = addSub(values.get(node.a)!, values.get(node.b)!, node.op === 'sub', len);
        break;
      case 'mul':
        out = mulVec(values.get(node.a)!, values.get(node.b)!, len);
        break;
    }
    values.set(e, out);
  }
  return roots.map((r) => values.get(r)!);
}

// Bound once: a call through the module namespace (F.mul) in these loops measured slower under tsx.
const fmul = F.mul;

function addSub(a: Vec, b: Vec, subtract: boolean, len: number): Vec {
  // The additions are inlined: through a function value (F.add / F.sub) this loop measured ~3x slower.
  const P = F.P;
  if (!a.ext && !b.ext) {
    const data = new Uint32Array(len);
    const x = a.data;
    const y = b.data;
    if (subtract) {
      for (let i = 0; i < len; i++) {
        const d = x[i]! - y[i]!;
        data[i] = d < 0 ? d + P : d;
      }
    } else {
      for (let i = 0; i < len; i++) {
        const s = x[i]! + y[i]!;
        data[i] = s >= P ? s - P : s;
      }
    }
    return { ext: false, data };
  }
  const data = new Uint32Array(4 * len);
  for (let i = 0; i < len; i++) {
    for (let c = 0; c < 4; c++) {
      const x = a.ext ? a.data[4 * i + c]! : c === 0 ? a.data[i]! : 0;
      const y = b.ext ? b.data[4 * i + c]! : c === 0 ? b.data[i]! : 0;
      if (subtract) {
        const d = x - y;
        data[4 * i + c] = d < 0 ? d + P : d;
      } else {
        const s = x + y;
        data[4 * i + c] = s >= P ? s - P : s;
      }
    }
  }
  return { ext: true, data };
}

function mulVec(a: Vec, b: Vec, len: number): Vec {
  if (!a.ext && !b.ext) {
    const data = new Uint32Array(len);
    for (let i = 0; i < len; i++) data[i] = fmul(a.data[i]!, b.data[i]!);
    return { ext: false, data };
  }
  const data = new Uint32Array(4 * len);
  if (a.ext && b.ext) {
    for (let i = 0; i < len; i++) E.mulInto(data, i, a.data, i, b.data, i);
    return { ext: true, data };
  }
  const [x, s] = a.ext ? [a, b] : [b, a];
  for (let i = 0; i < len; i++) {
    const k = s.data[i]!;
    for (let c = 0; c < 4; c++) data[4 * i + c] = fmul(x.data[4 * i + c]!, k);
  }
  return { ext: true, data };
}

/** Selector vectors on the coset shift·H_N (natural order) for a trace of height n dividing N. */
export function cosetSelectors(logN: number, logTrace: number, shift: number): VectorInputs['selectors'] {
  const N = 1 << logN;
  const n = 1 << logTrace;
  // The field's functions read once: under tsx every namespace read in the loops below is a getter call.
  const { mul, sub } = F;
  const omegaN = F.rootOfUnity(logN);
  const omegaInv = F.inv(F.rootOfUnity(logTrace));
  const first = new Uint32Array(N);
  const last = new Uint32Array(N);
  const transition = new Uint32Array(N);
  const xs = new Uint32Array(N);
  let x = shift;
  for (let j = 0; j < N; j++) {
    xs[j] = x;
    x = mul(x, omegaN);
  }
  const dFirst = new Uint32Array(N);
  const dLast = new Uint32Array(N);
  for (let j = 0; j < N; j++) {
    dFirst[j] = sub(xs[j]!, 1);
    dLast[j] = sub(xs[j]!, omegaInv);
    transition[j] = dLast[j]!;
  }
  const invFirst = F.batchInverse(dFirst);
  const invLast = F.batchInverse(dLast);
  // Z_H(x_j) = x_j^n − 1 = shift^n·ω_N^(jn) − 1 repeats with period N/n: one power per residue, not per point.
  const period = N / n;
  const zs = Array.from({ length: period }, (_, j) => F.sub(F.pow(xs[j]!, n), 1));
  for (let j = 0; j < N; j++) {
    const z = zs[j % period]!;
    first[j] = mul(z, invFirst[j]!);
    last[j] = mul(z, invLast[j]!);
  }
  return { first, last, transition };
}

/**
 * Selector vectors on H_n itself, where the quotient formulas are 0/0 at their row: the limits, n at row 0 for
 * isFirstRow and n·ω at row n−1 for isLastRow, are nonzero, which is all the witness check needs.
 */
export function traceSelectors(logTrace: number): VectorInputs['selectors'] {
  const n = 1 << logTrace;
  const first = new Uint32Array(n);
  const last = new Uint32Array(n);
  const transition = new Uint32Array(n);
  const omega = F.rootOfUnity(logTrace);
  const omegaInv = F.inv(omega);
  first[0] = n % F.P;
  last[n - 1] = F.mul(n % F.P, omega);
  let x = 1;
  for (let j = 0; j < n; j++) {
    transition[j] = F.sub(x, omegaInv);
    x = F.mul(x, omega);
  }
  return { first, last, transition };
}

/** Values at the out-of-domain point: every column at ζ and at ω·ζ. */
export interface PointInputs {
  readonly zeta: E.Ext;
  readonly logTrace: number;
  readonly main: readonly E.Ext[];
  readonly mainNext: readonly E.Ext[];
  readonly pre: readonly E.Ext[];
  readonly preNext: readonly E.Ext[];
  readonly aux: readonly E.Ext[];
  readonly auxNext: readonly E.Ext[];
  readonly publics: readonly number[];
  readonly challenges: readonly E.Ext[];
  readonly sumPerRow: E.Ext;
}

/** The selectors at a point ζ outside H_n (ζ ≠ 1, ζ ≠ ω⁻¹). */
export function pointSelectors(zeta: E.Ext, logTrace: number): { first: E.Ext; last: E.Ext; transition: E.Ext; zH: E.Ext } {
  const zH = E.sub(E.pow(zeta, 2 ** logTrace), E.ONE);
  const omegaInv = F.inv(F.rootOfUnity(logTrace));
  const transition = E.sub(zeta, E.fromBase(omegaInv));
  return { first: E.div(zH, E.sub(zeta, E.ONE)), last: E.div(zH, transition), transition, zH };
}

/** Evaluates `roots` at the verifier's point. Inputs must have been length-checked by the caller. */
export function evaluateAtPoint(roots: readonly Expr[], inputs: PointInputs): E.Ext[] {
  const sel = pointSelectors(inputs.zeta, inputs.logTrace);
  const values = new Map<Expr, E.Ext>();
  for (const e of topologicalOrder(roots)) {
    const node = e.node;
    let v: E.Ext;
    switch (node.op) {
      case 'const':
        v = E.fromBase(node.value);
        break;
      case 'public':
        v = E.fromBase(inputs.publics[node.index] ?? 0);
        break;
      case 'main':
        v = (node.next ? inputs.mainNext : inputs.main)[node.col]!;
        break;
      case 'pre':
        v = (node.next ? inputs.preNext : inputs.pre)[node.col]!;
        break;
      case 'aux':
        v = (node.next ? inputs.auxNext : inputs.aux)[node.col]!;
        break;
      case 'challenge':
        v = inputs.challenges[node.index]!;
        break;
      case 'sumPerRow':
        v = inputs.sumPerRow;
        break;
      case 'isFirstRow':
        v = sel.first;
        break;
      case 'isLastRow':
        v = sel.last;
        break;
      case 'isTransition':
        v = sel.transition;
        break;
      case 'neg':
        v = E.neg(values.get(node.a)!);
        break;
      case 'add':
        v = E.add(values.get(node.a)!, values.get(node.b)!);
        break;
      case 'sub':
        v = E.sub(values.get(node.a)!, values.get(node.b)!);
        break;
      case 'mul':
        v = E.mul(values.get(node.a)!, values.get(node.b)!);
        break;
    }
    values.set(e, v);
  }
  return roots.map((r) => values.get(r)!);
}

/**
 * `evaluateAtPoint` on compiled constraints (compileConstraints): the same values, from an array indexed by node
 * instead of a map over a fresh topological order, for the verifier, which evaluates every table at ζ.
 */
export function evaluateCompiledAtPoint(program: ConstraintProgram, inputs: PointInputs): E.Ext[] {
  const sel = pointSelectors(inputs.zeta, inputs.logTrace);
  const { code } = program;
  const ops = CONSTRAINT_OPS;
  const n = code.length / CONSTRAINT_RECORD;
  const values: E.Ext[] = new Array(n);
  for (let id = 0, o = 0; id < n; id++, o += CONSTRAINT_RECORD) {
    const a = code[o + 2]!, b = code[o + 3]!, k = code[o + 4]!, next = code[o + 5] === 1;
    let v: E.Ext;
    switch (code[o]) {
      case ops.const:
        v = E.fromBase(k);
        break;
      case ops.public:
        v = E.fromBase(inputs.publics[k] ?? 0);
        break;
      case ops.main:
        v = (next ? inputs.mainNext : inputs.main)[k]!;
        break;
      case ops.pre:
        v = (next ? inputs.preNext : inputs.pre)[k]!;
        break;
      case ops.aux:
        v = (next ? inputs.auxNext : inputs.aux)[k]!;
        break;
      case ops.challenge:
        v = inputs.challenges[k]!;
        break;
      case ops.sumPerRow:
        v = inputs.sumPerRow;
        break;
      case ops.isFirstRow:
        v = sel.first;
        break;
      case ops.isLastRow:
        v = sel.last;
        break;
      case ops.isTransition:
        v = sel.transition;
        break;
      case ops.neg:
        v = E.neg(values[a]!);
        break;
      case ops.add:
        v = E.add(values[a]!, values[b]!);
        break;
      case ops.sub:
        v = E.sub(values[a]!, values[b]!);
        break;
      case ops.mul:
        v = E.mul(values[a]!, values[b]!);
        break;
      default:
        throw new RangeError(`evaluateCompiledAtPoint: opcode ${code[o]} at node ${id}`);
    }
    values[id] = v;
  }
  return Array.from(program.roots, (r) => values[r]!);
}

/**
 * A table's constraints as flat bytecode, for backends that evaluate the quotient without Expr objects: one
 * record of CONSTRAINT_RECORD words per node in topological order, [op, ext, a, b, k, next], where a and b are
 * earlier nodes, k a column, index or constant, ext whether the node's value is in the extension field; `roots`
 * are the constraints' nodes in order. Op codes: CONSTRAINT_OPS.
 */
export interface ConstraintProgram {
  readonly code: Int32Array;
  readonly roots: Int32Array;
}

export const CONSTRAINT_RECORD = 6;
export const CONSTRAINT_OPS = {
  const: 0,
  main: 1,
  pre: 2,
  aux: 3,
  public: 4,
  challenge: 5,
  sumPerRow: 6,
  isFirstRow: 7,
  isLastRow: 8,
  isTransition: 9,
  neg: 10,
  add: 11,
  sub: 12,
  mul: 13,
} as const;

export function compileConstraints(roots: readonly Expr[]): ConstraintProgram {
  const order = topologicalOrder(roots);
  const index = new Map<Expr, number>();
  const ext: boolean[] = [];
  const code = new Int32Array(order.length * CONSTRAINT_RECORD);
  order.forEach((e, id) => {
    const node = e.node;
    let a = -1;
    let b = -1;
    let k = 0;
    let next = 0;
    let isExt = false;
    switch (node.op) {
      case 'const':
        k = node.value;
        break;
      case 'main':
      case 'pre':
      case 'aux':
        k = node.col;
        next = node.next ? 1 : 0;
        isExt = node.op === 'aux';
        break;
      case 'public':
      case 'challenge':
        k = node.index;
        isExt = node.op === 'challenge';
        break;
      case 'sumPerRow':
        isExt = true;
        break;
      case 'neg':
        a = index.get(node.a)!;
        isExt = ext[a]!;
        break;
      case 'add':
      case 'sub':
      case 'mul':
        a = index.get(node.a)!;
        b = index.get(node.b)!;
        isExt = ext[a]! || ext[b]!;
        break;
    }
    index.set(e, id);
    ext.push(isExt);
    code.set([CONSTRAINT_OPS[node.op], isExt ? 1 : 0, a, b, k, next], id * CONSTRAINT_RECORD);
  });
  return { code, roots: Int32Array.from(roots, (r) => index.get(r)!) };
}

const compiledCache = new WeakMap<object, ConstraintProgram>();

/** compileConstraints(exprs), once per `key` (a table's constraint list: the prover and the verifier reuse it). */
export function compiledConstraints(key: object, exprs: readonly Expr[]): ConstraintProgram {
  let c = compiledCache.get(key);
  if (!c) compiledCache.set(key, (c = compileConstraints(exprs)));
  return c;
}
