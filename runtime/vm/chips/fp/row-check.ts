/**
 * Row-level evaluation of a chip's AIR on the host, so the witness side never restates the constraints:
 * `busMessages` gives each bus's messages as functions of a row (the lookup tables' multiplicities then always
 * match what the constraints send), and `brokenConstraints` names the constraints rows break (for the conformance
 * checks and the tests' forgeries).
 */
import * as F from '../../../proof/field/babybear.ts';
import * as E from '../../../proof/field/extension.ts';
import { analyze, type Air } from '../../../proof/air/air.ts';
import type { Expr } from '../../../proof/air/expr.ts';
import { evaluateRows, type VectorInputs } from '../../../proof/air/eval.ts';
import type { Matrix } from '../../../proof/matrix.ts';

/** A value of one row: its columns are field elements. */
export type RowFn = (row: ArrayLike<number>) => number;

/** An expression over the current row's main columns and constants, as a function of the row (in the field). */
export function compileRowExpr(e: Expr): RowFn {
  const n = e.node;
  switch (n.op) {
    case 'const': {
      const v = n.value;
      return () => v;
    }
    case 'main': {
      if (n.next) throw new Error('a row message reads the current row only');
      const col = n.col;
      return (r) => r[col]!;
    }
    case 'add': {
      const [x, y] = [compileRowExpr(n.a), compileRowExpr(n.b)];
      return (r) => F.add(x(r), y(r));
    }
    case 'sub': {
      const [x, y] = [compileRowExpr(n.a), compileRowExpr(n.b)];
      return (r) => F.sub(x(r), y(r));
    }
    case 'mul': {
      const [x, y] = [compileRowExpr(n.a), compileRowExpr(n.b)];
      return (r) => F.mul(x(r), y(r));
    }
    case 'neg': {
      const x = compileRowExpr(n.a);
      return (r) => F.neg(x(r));
    }
    default:
      throw new Error(`a row message cannot read ${n.op}`);
  }
}

/** The messages `air` sends or receives on each bus, each value a function of the row (compiled once). */
export function busMessages(air: Air): (bus: number) => RowFn[][] {
  let byBus: Map<number, RowFn[][]> | null = null;
  return (bus) => {
    if (byBus === null) {
      byBus = new Map();
      for (const it of analyze(air).interactions) {
        const list = byBus.get(it.bus) ?? [];
        list.push(it.values.map(compileRowExpr));
        byBus.set(it.bus, list);
      }
    }
    return byBus.get(bus) ?? [];
  };
}

const constraintCache = new WeakMap<Air, ReturnType<typeof analyze>['constraints']>();

/**
 * For each row of `main` (field elements), the names of `air`'s constraints it breaks, with `pre` its
 * preprocessed rows. With `windows` 0 the rows are one trace (row 0 the first, each row's successor the next);
 * with `windows` w they are independent windows of w consecutive rows, none of them a trace's first row.
 */
export function brokenConstraints(air: Air, main: Matrix, pre: Matrix | null = null, windows = 0): string[][] {
  let constraints = constraintCache.get(air);
  if (!constraints) constraintCache.set(air, (constraints = analyze(air).constraints));
  const h = main.height;
  const first = new Uint32Array(h);
  const last = new Uint32Array(h);
  const transition = new Uint32Array(h);
  if (windows === 0) first[0] = 1;
  last[h - 1] = 1;
  for (let i = 0; i < h - 1; i++) transition[i] = windows === 0 || (i + 1) % windows !== 0 ? 1 : 0;
  const inputs: VectorInputs = {
    height: h,
    nextOffset: 1,
    main,
    pre,
    aux: null,
    selectors: { first, last, transition },
    publics: [],
    challenges: [],
    sumPerRow: E.ZERO,
  };
  const vecs = evaluateRows(constraints.map((k) => k.expr), inputs, 0, h);
  const broken = Array.from({ length: h }, () => [] as string[]);
  vecs.forEach((v, j) => {
    for (let i = 0; i < h; i++) if (v.data[i] !== 0) broken[i]!.push(constraints[j]!.name);
  });
  return broken;
}
