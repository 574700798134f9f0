/**
 * `weight_params(spec.W, T)`, `weight_layers(spec.W, T)` and `weight_experts(spec.W, T)` in the genesis program: the
 * parameter count and architecture of the committed initial weights (runtime/run/weights.ts, docs/run.md
 * "Weights"). For each layout field, once, right after the spec record is opened:
 *
 *   1. for t < T the tape holds the entry's kind (a field word: lane 0 one of the kind codes), block, rows and cols
 *      (ints, range-checked to 16-bit limbs), the name digest and the tensor's root; leaf t is rehashed from
 *      [LAYOUT_DOMAIN, T, t, 0, …] and those six words, and the tree (zero padding leaves) rebuilt to a root that
 *      must equal spec.W; then the tensor's tree root, and the tensor's root must be
 *      compress([SHAPE_DOMAIN, rows, cols, 0, …], tree root) with rows and cols below p (shapeCommitted): the root
 *      commits the shape listed, so the counts below are the committed tensors';
 *   2. params = Σ rows · cols (128-bit, exact);
 *   3. layers = max over attention tensors of block + 1, 0 without any;
 *   4. experts = the first router's rows, every router's rows equal to it, 1 without a router.
 *
 * Every failure names the first attest claim that reads the layout. The calls only look the values up.
 */
import type * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import { weightCalls, weightsField } from '../language/checker/weights.ts';
import type { WeightLayout } from '../runtime/policy/artifact.ts';
import { kindCode, LAYOUT_DOMAIN, WEIGHT_KINDS } from '../runtime/run/weights.ts';
import { SHAPE_DOMAIN } from '../runtime/run/tensor-commit.ts';
import { P } from '../runtime/vm/semantics.ts';
import { wideWord } from '../runtime/vm/word.ts';
import { LoweringError, type Lowerer, type LV } from './lower.ts';
import { lowerTreeRoot } from './labels.ts';

/** What the genesis program derives from one layout. */
export interface WeightValues {
  readonly params: LV;
  readonly layers: LV;
  readonly experts: LV;
}

/** The layouts the attest claims read, in tape order (the first call on each field), with the claim that reads it first. */
export function weightLayouts(attests: readonly A.ClauseDecl[], checker: FileChecker, at: (span: A.Span) => string): WeightLayout[] {
  const byField = new Map<string, WeightLayout>();
  for (const d of attests) {
    for (const call of weightCalls(d.value)) {
      const field = weightsField(call);
      const v = call.args[1] ? checker.evaluate(call.args[1]) : undefined;
      if (!field || v?.kind !== 'num' || v.den !== 1n) throw new LoweringError(`${call.callee.name} needs spec.NAME and a constant tensor count`, at(call.span));
      const seen = byField.get(field);
      if (seen && BigInt(seen.tensors) !== v.num) throw new LoweringError(`spec.${field} is read as ${v.num} tensors here and as ${seen.tensors} at ${seen.at}`, at(call.span));
      if (!seen) byField.set(field, { field, tensors: Number(v.num), clause: `attest ${d.name.name}`, at: at(call.span) });
    }
  }
  return [...byField.values()];
}

/**
 * That `root` is compress([SHAPE_DOMAIN, rows, cols, 0, …], tree) (runtime/run/tensor-commit.ts) for `rows` and
 * `cols`, wide ints, each below p (so their field values, lane 0 + 2^16·lane 1, are the ints). A caller whose rows
 * and cols are words genesis range-checked (the same layout leaf, opened against the same spec root) passes
 * `rangeCheck` false: checking them again proves nothing new.
 */
export function shapeCommitted(L: Lowerer, rows: number, cols: number, tree: number, root: number, fails: string, rangeCheck = true): void {
  const [LIMB, p] = [L.constWord(0x10000), L.constWord(wideWord(BigInt(P)), 'wide')];
  const field = (x: number): number => {
    if (rangeCheck) L.assert(L.wide('lt128', x, p), fails);
    return L.field('add', L.lane(x, 0), L.field('mul', L.lane(x, 1), LIMB));
  };
  const lanes = L.field('add', L.field('scale', field(rows), L.constWord([0, 1, 0, 0, 0, 0, 0, 0])), L.field('scale', field(cols), L.constWord([0, 0, 1, 0, 0, 0, 0, 0])));
  L.assertEq(L.field('hash', L.field('add', L.constWord([SHAPE_DOMAIN, 0, 0, 0, 0, 0, 0, 0]), lanes), tree), root, fails);
}

/** Reads and checks one layout (module comment); `root` is spec.W's address, `message` names the first claim. */
export function lowerWeightLayout(L: Lowerer, w: WeightLayout, root: number, message: string): WeightValues {
  const fails = (why: string): string => `${message}: the committed weights (spec.${w.field}, ${w.tensors} tensors): ${why}`;
  const at = w.at;
  const zeroWide = L.constWord(wideWord(0n), 'wide');
  const readInt = (what: string): LV => {
    const x = L.read('wide');
    L.assertEq(L.wide('add128', x, zeroWide), x, fails(`a tensor's ${what} is not an integer below 2^128`));
    return { k: 'int', addr: x };
  };
  const one: LV = { k: 'known', v: { kind: 'num', num: 1n, den: 1n } };
  const zero: LV = { k: 'known', v: { kind: 'num', num: 0n, den: 1n } };
  const is = (kind: number, code: number): LV => ({ k: 'bool', addr: L.field('eq', kind, L.constWord(code)) });
  const leaves: number[] = [];
  let params: LV = zero;
  let layers: LV = zero;
  let experts: LV = zero;
  let seenRouter: LV = L.bool(false);
  const routers: { isRouter: LV; rows: LV }[] = [];
  for (let t = 0; t < w.tensors; t++) {
    const kindWord = L.read();
    const kind = L.lane(kindWord, 0);
    let product = L.constWord(1);
    WEIGHT_KINDS.forEach((_, i) => (product = L.field('mul', product, L.field('sub', kind, L.constWord(i)))));
    L.assertEq(product, L.constWord(0), fails(`the kind of tensor ${t} is not one of ${WEIGHT_KINDS.join(', ')}`));
    const block = readInt('block');
    const rows = readInt('rows');
    const cols = readInt('cols');
    const name = L.read('digest');
    const tensorRoot = L.read('digest');
    shapeCommitted(L, L.intAddr(rows, at), L.intAddr(cols, at), L.read('digest'), tensorRoot, fails(`the root of tensor ${t} (in canonical order) does not commit the shape [rows, cols] the layout lists for it`));
    const prefix = L.constWord([LAYOUT_DOMAIN, w.tensors, t, 0, 0, 0, 0, 0]);
    leaves.push(L.commitWords(prefix, [kindWord, L.intAddr(block, at), L.intAddr(rows, at), L.intAddr(cols, at), name, tensorRoot]));
    params = L.add(params, L.mul(rows, cols, at), at);
    const attention = is(kind, kindCode('attention'));
    const depth = L.select(attention, L.add(block, one, at), zero, at);
    layers = L.select(L.less(layers, depth, at), depth, layers, at);
    const router = is(kind, kindCode('router'));
    experts = L.select(L.and(router, L.not(seenRouter, at), at), rows, experts, at);
    seenRouter = L.or(seenRouter, router, at);
    routers.push({ isRouter: router, rows });
  }
  for (const { isRouter, rows } of routers) {
    L.assert(L.fieldAddr(L.or(L.not(isRouter, at), L.equal(rows, experts, at), at), at), fails('its router tensors do not agree on the number of experts (their rows)'));
  }
  L.assertEq(lowerTreeRoot(L, leaves), root, fails(`the layout read does not open against spec.${w.field}`));
  return { params, layers, experts: L.select(seenRouter, experts, one, at) };
}
