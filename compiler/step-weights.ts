/**
 * A compute check's b bound to the committed weights (`weights: weight_tensor(F, T, "NAME")`, docs/language.md;
 * the run's side is runtime/run/step-weights.ts). In the step program, before the checks' openings:
 *
 *   1. for each state field F a check binds (in the order of the checks), one pass over the T tensors: tensor t's
 *      words in the initial layout spec.W (the spec field F starts from: weights.json) come from the tape — kind,
 *      block, rows, cols, name digest, root (runtime/run/weights.ts) — then its root in the layout F held as the step
 *      began and that root's tree root (the top node of its Merkle tree, below the shape word). Both leaves are
 *      rehashed from [LAYOUT_DOMAIN, T, t, 0, …] and the same five words, each with its own root (the chained hash
 *      of the five is shared), and the two trees rebuilt to roots that must equal spec.W and F as the step opened it
 *      (before `on step` sets it to the step's update). So the weights a step starts from list the initial tensors
 *      in the same order, named, kinded and shaped as genesis read them (weight_params, weight_layers,
 *      weight_experts), only their roots changed; and each root must be compress([SHAPE_DOMAIN, rows, cols, 0, …],
 *      its tree root) (shapeCommitted, compiler/weights.ts): the root commits the shape listed, for every tensor,
 *      checked by a compute check or not (the range checks rows, cols < p are left out where genesis checked them
 *      for the same words: LayoutRoots.ranged);
 *   2. for each bound check, exactly one entry's name digest is NAME's (each entry's eight lanes compared), and that
 *      entry's root is b's root (step.B) and its rows and cols are bᵀ's, [N, K]: is_t · (x_t − x) = 0 for each. A
 *      family binds every member l, drawn or not: NAME with {VARIABLE} replaced by l, against step.B[l].
 *
 * The attestation does 1 (not 2: it checks no product) on the state the last step ended in, whose F is the last
 * committed update, which no step reads: the weights the run ends with are named and shaped as the initial ones too.
 *
 * So the weights a product is checked against are the ones the chain committed: genesis's for step 1, each step's
 * committed update after it. Every failure names the check.
 */
import type { ComputeCheck } from '../runtime/policy/artifact.ts';
import { LAYOUT_DOMAIN, nameDigest } from '../runtime/run/weights.ts';
import { boundLayouts, type BoundLayout } from '../runtime/run/step-weights.ts';
import { wideWord } from '../runtime/vm/word.ts';
import { lowerTreeRoot } from './labels.ts';
import { shapeCommitted } from './weights.ts';
import { LoweringError, type Lowerer } from './lower.ts';

/** One entry of a layout read in the step: the addresses of its words. */
interface EntryWords {
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

/** Where a step's layout reads are: the roots it opens against and how the failures name them. */
export interface LayoutRoots {
  /** The state field's root as the step began (the attestation: as the last step ended). */
  readonly start: number;
  /** spec.`initial`, the committed initial layout. */
  readonly initial: number;
  /** Genesis range-checked the initial layout's rows and cols (it reads the same spec field, as many tensors). */
  readonly ranged: boolean;
  /** What the start root is, after "state.F, the committed weights …": "the step starts from". */
  readonly role: string;
}

/**
 * Step 1 for one layout (module comment): reads it from the tape and returns the entries of the layout the step
 * starts from, named and shaped as the initial one's; `message` names the first check that binds it.
 */
export function lowerStepLayout(L: Lowerer, layout: StepLayout, roots: LayoutRoots, message: string): EntryWords[] {
  const T = layout.tensors;
  const state = `state.${layout.field} (the committed weights ${roots.role}, ${T} tensors)`;
  const spec = `spec.${layout.initial}`;
  const entries: EntryWords[] = [];
  const [initial, start]: number[][] = [[], []];
  for (let t = 0; t < T; t++) {
    const [kind, block, rows, cols] = [L.read(), L.read('wide'), L.read('wide'), L.read('wide')];
    const [name, first, root, tree] = [L.read('digest'), L.read('digest'), L.read('digest'), L.read('digest')];
    // The leaf is the chained hash of [LAYOUT_DOMAIN, T, t, 0, …] and the six words: both layouts share the first five.
    const common = L.commitWords(L.constWord([LAYOUT_DOMAIN, T, t, 0, 0, 0, 0, 0]), [kind, block, rows, cols, name]);
    initial.push(L.field('hash', common, first));
    start.push(L.field('hash', common, root));
    shapeCommitted(L, rows, cols, tree, root, `${message}: the root of tensor ${t} (in canonical order) of ${state} does not commit the shape [rows, cols] ${spec} lists for it`, !roots.ranged);
    entries.push({ name, rows, cols, root });
  }
  L.assertEq(lowerTreeRoot(L, initial), roots.initial, `${message}: the initial layout read does not open against ${spec} (the committed initial weights, ${T} tensors)`);
  L.assertEq(lowerTreeRoot(L, start), roots.start, `${message}: the layout read does not open against ${state} with the names, kinds, blocks and shapes of ${spec}`);
  return entries;
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

