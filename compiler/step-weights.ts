/**
 * A compute check's b bound to the committed weights (`weights: weight_tensor(F, T, "NAME")`, docs/language.md;
 * the run's side is runtime/run/step-weights.ts). In the step program, before the checks' openings:
 *
 *   1. for each state field F a check binds (in the order of the checks), the T entries of the layout F held as the
 *      step began come from the tape: kind, block, rows, cols, name digest, root (runtime/run/weights.ts); leaf t is
 *      rehashed from [LAYOUT_DOMAIN, T, t, 0, …] and those six words, and the tree rebuilt to a root that must equal
 *      F as the step opened it (before `on step` sets it to the step's update);
 *   1b. then the T entries of the initial layout, spec.W (the spec field F starts from: weights.json), rebuilt to a
 *      root that must equal spec.W, and each entry's kind, block, rows, cols and name digest must be the layout's of
 *      step 1 at the same index: the weights a step starts from list the initial tensors in the same order, named and
 *      shaped as genesis read them (weight_params, weight_layers, weight_experts), only their roots changed;
 *   2. for each bound check, exactly one entry's name digest is NAME's (each entry's eight lanes compared), and that
 *      entry's root is b's root (step.B) and its rows and cols are bᵀ's, [N, K]: is_t · (x_t − x) = 0 for each. A
 *      family binds every member l, drawn or not: NAME with {VARIABLE} replaced by l, against step.B[l].
 *
 * So the weights a product is checked against are the ones the chain committed: genesis's for step 1, each step's
 * committed update after it. Every failure names the check.
 */
import type { ComputeCheck } from '../runtime/policy/artifact.ts';
import { LAYOUT_DOMAIN, nameDigest } from '../runtime/run/weights.ts';
import { boundLayouts, type BoundLayout } from '../runtime/run/step-weights.ts';
import { wideWord } from '../runtime/vm/word.ts';
import { lowerTreeRoot } from './labels.ts';
import { LoweringError, type Lowerer } from './lower.ts';

/** One entry of a layout read in the step: the addresses of its words. */
interface EntryWords {
  readonly kind: number;
  readonly block: number;
  readonly rows: number;
  readonly cols: number;
  readonly name: number;
  readonly root: number;
}

/** The layouts the bound checks read, in tape order (runtime/run/step-weights.ts boundLayouts). */
export function stepLayouts(checks: readonly ComputeCheck[]): StepLayout[] {
  try {
    return boundLayouts(checks);
  } catch (e) {
    const check = checks.find((c) => (e as Error).message.startsWith(`verify ${c.name} `));
    throw new LoweringError((e as Error).message, check?.at ?? '');
  }
}

type StepLayout = BoundLayout<ComputeCheck>;

/**
 * Reads one layout from the tape and checks it opens against `root` (step 1); `message` names the first check,
 * `what` the root ("state.weights (the committed weights the step starts from, 4 tensors)").
 */
export function lowerStepLayout(L: Lowerer, layout: StepLayout, root: number, message: string, what = `state.${layout.field} (the committed weights the step starts from, ${layout.tensors} tensors)`): EntryWords[] {
  const entries: EntryWords[] = [];
  const leaves: number[] = [];
  for (let t = 0; t < layout.tensors; t++) {
    const [kind, block, rows, cols] = [L.read(), L.read('wide'), L.read('wide'), L.read('wide')];
    const [name, tensorRoot] = [L.read('digest'), L.read('digest')];
    leaves.push(L.commitWords(L.constWord([LAYOUT_DOMAIN, layout.tensors, t, 0, 0, 0, 0, 0]), [kind, block, rows, cols, name, tensorRoot]));
    entries.push({ kind, block, rows, cols, name, root: tensorRoot });
  }
  L.assertEq(lowerTreeRoot(L, leaves), root, `${message}: the layout read does not open against ${what}`);
  return entries;
}

/**
 * Step 1b: reads the initial layout (spec.`layout.initial`, whose root is `initial`) and requires `entries`, the layout
 * the step starts from, to list its tensors in order with the same kind, block, shape and name: an update changes
 * roots only.
 */
export function lowerSameTensors(L: Lowerer, layout: StepLayout, entries: readonly EntryWords[], initial: number, message: string): void {
  const first = lowerStepLayout(L, layout, initial, message, `spec.${layout.initial} (the committed initial weights, ${layout.tensors} tensors)`);
  const now = `the layout the step starts from (state.${layout.field})`;
  first.forEach((e, t) => {
    const was = `tensor ${t} of the initial layout (spec.${layout.initial})`;
    L.assertEq(entries[t]!.name, e.name, `${message}: ${now} renames ${was}`);
    L.assertEq(entries[t]!.kind, e.kind, `${message}: ${now} changes the kind of ${was}`);
    L.assertEq(entries[t]!.block, e.block, `${message}: ${now} changes the block of ${was}`);
    L.assertEq(entries[t]!.rows, e.rows, `${message}: ${now} reshapes ${was}`);
    L.assertEq(entries[t]!.cols, e.cols, `${message}: ${now} reshapes ${was}`);
  });
}

/** Member `l`'s tensor name in a family's binding (its variable in braces replaced by l), or a single product's. */
export function boundName(check: ComputeCheck, l?: number): string {
  const name = check.weights!.name;
  return check.family && l !== undefined ? name.replaceAll(`{${check.family.variable}}`, String(l)) : name;
}

/**
 * Step 2 for one product: b's root `b` (step.`field`) is the root of the one entry named `name`, of bᵀ's shape. A
 * family binds each member's b, drawn or not.
 */
export function lowerWeightsBinding(L: Lowerer, check: ComputeCheck, entries: readonly EntryWords[], b: number, message: string, name = boundName(check), field = check.b): void {
  const w = { ...check.weights!, name };
  const [, K, N] = check.dims;
  const zero = L.constWord(0);
  const one = L.constWord(1);
  const named = L.constWord(nameDigest(w.name), 'digest');
  const shape = { rows: L.constWord(wideWord(BigInt(N)), 'wide'), cols: L.constWord(wideWord(BigInt(K)), 'wide') };
  const what = `the tensor "${w.name}" of the committed weights (state.${w.field})`;
  let count = zero;
  for (const e of entries) {
    const d = L.field('sub', e.name, named, 'digest');
    let is = one;
    for (let l = 0; l < 8; l++) is = L.field('mul', is, L.field('eq', L.lane(d, l), zero));
    count = L.field('add', count, is);
    const same = (x: number, y: number, type: 'digest' | 'wide', why: string): void => L.assertEq(L.field('scale', is, L.field('sub', x, y, type), type), L.constWord(0, type), `${message}: ${why}`);
    same(e.root, b, 'digest', `b (step.${field}) is not ${what}`);
    same(e.rows, shape.rows, 'wide', `${what} is not [${N}, ${K}], the shape of bᵀ`);
    same(e.cols, shape.cols, 'wide', `${what} is not [${N}, ${K}], the shape of bᵀ`);
  }
  L.assertEq(count, one, `${message}: the committed weights (state.${w.field}) do not list exactly one tensor named "${w.name}"`);
}

