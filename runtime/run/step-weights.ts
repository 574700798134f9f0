/**
 * The chain of weight commitments (docs/run.md, "The weights each step ends with"): genesis commits the initial
 * weights' layout (weights.json, runtime/run/weights.ts); each step commits the layout of the weights its update
 * ends with, weights/NNNNNN.json, whose root its record holds (the demo's `step.weights_root`), and the next step
 * starts from it. A step's layout has weights.json's structure, names, kinds, blocks and shapes, with each tensor's
 * root after the update; it lists roots only (the values stay with the lab) and says which step it ends.
 *
 * A compute check whose `weights` setting names a tensor of the layout a state field holds
 * (`weights: weight_tensor(weights, T, "fc1.weight")`, compiler/step-weights.ts) has the step program read that
 * layout's T entries from its tape, before the checks' openings, rebuild its root against the state field as the
 * step began, and require exactly one entry of that name, whose root is the check's b operand and whose shape is
 * bᵀ's. Each such step also reads the initial layout (weights.json, the spec field the state field starts from) and
 * requires the layout it starts from to list the same tensors with the same names, kinds, blocks and shapes, only
 * the roots differing: an update never renames or reshapes a tensor, so what genesis derived from weights.json
 * (weight_params, weight_layers, weight_experts) holds for the weights of every step; and every root of the layout
 * the step starts from must commit the shape listed (compress([SHAPE_DOMAIN, rows, cols, 0, …], tree root)), checked
 * or not. The attestation does the same for the layout the last step ends with, which no step reads. So the prover
 * puts, for each state field such a check reads (in the order of the checks), stepLayoutTape: for each tensor,
 * weights.json's entry and then the root and tree root of that tensor in the layout the step starts from
 * (weights.json for step 1, weights/(k−1).json for step k; the attestation after step N: weights/N.json).
 */
import type { Word } from '../vm/word.ts';
import { digestFromHex } from './tensor-commit.ts';
import { stepName } from './format.ts';
import { entryWords, weightLayout, WEIGHTS_DIR, WEIGHTS_FILE, type WeightEntry, type WeightsJson, type WeightTensor } from './weights.ts';

/** The layout of the weights step `step` ends with. */
export const stepWeightsFile = (step: number): string => `${WEIGHTS_DIR}/${stepName(step)}.json`;

/** The layout the weights of step `step` start from: weights.json for step 1, else the previous step's. */
export const startWeightsFile = (step: number): string => (step === 1 ? WEIGHTS_FILE : stepWeightsFile(step - 1));

/** Step `step`'s layout of `tensors` (the weights after its update): weights.json's, without a file, with the step. */
export function stepWeightLayout(step: number, tensors: readonly WeightTensor[]): WeightsJson {
  const { file: _file, ...layout } = weightLayout(tensors);
  return { ...layout, step };
}

/** A check's tensor in a layout, by name (undefined when the layout has none or several of that name). */
export function layoutTensor(entries: readonly WeightEntry[], name: string): WeightEntry | undefined {
  const found = entries.filter((e) => e.name === name);
  return found.length === 1 ? found[0] : undefined;
}

/** What a compute check binds (the artifact's ComputeCheck.weights), as this module needs it. */
export interface BoundCheck {
  readonly name: string;
  readonly weights?: { readonly field: string; readonly tensors: number; readonly name: string; readonly initial: string };
}

/** A layout a step reads: its state field, tensor count, the spec field it starts from and the first check that binds it. */
export interface BoundLayout<C extends BoundCheck = BoundCheck> {
  readonly field: string;
  readonly tensors: number;
  readonly initial: string;
  readonly check: C;
}

/**
 * The layouts the bound checks read, in tape order: one per state field, in the order of the first check binding
 * it. Throws a RangeError when two checks read one field with two tensor counts (one layout cannot have both).
 */
export function boundLayouts<C extends BoundCheck>(checks: readonly C[]): BoundLayout<C>[] {
  const byField = new Map<string, BoundLayout<C>>();
  for (const check of checks) {
    const w = check.weights;
    if (!w) continue;
    const seen = byField.get(w.field);
    if (seen && seen.tensors !== w.tensors) throw new RangeError(`verify ${check.name} reads state.${w.field} as a layout of ${w.tensors} tensors, verify ${seen.check.name} as ${seen.tensors}`);
    if (!seen) byField.set(w.field, { field: w.field, tensors: w.tensors, initial: w.initial, check });
  }
  return [...byField.values()];
}

/**
 * The tape of one bound layout (compiler/step-weights.ts): for each tensor t, the six words of `initial`'s entry t
 * (entryWords), then `start`'s entry t's root and tree root. Both list the same number of tensors.
 */
export function stepLayoutTape(initial: readonly WeightEntry[], start: readonly WeightEntry[]): Word[] {
  return initial.flatMap((e, t) => [...entryWords(e), digestFromHex(start[t]!.root), digestFromHex(start[t]!.tree)]);
}

/**
 * Why `start`, the layout a step starts from, does not have `initial`'s names, kinds, blocks and shapes: its first
 * tensor that differs, with both (`file` names start's file), or undefined when only roots differ.
 */
export function layoutChange(initial: readonly WeightEntry[], start: readonly WeightEntry[], file: string): string | undefined {
  const show = (e: WeightEntry): string => `"${e.name}" (${e.kind}, block ${e.block}) [${e.rows}, ${e.cols}]`;
  const t = initial.findIndex((e, i) => {
    const s = start[i]!;
    return s.name !== e.name || s.kind !== e.kind || s.block !== e.block || s.rows !== e.rows || s.cols !== e.cols;
  });
  return t < 0 ? undefined : `tensor ${t} is ${show(start[t]!)} in ${file}, ${show(initial[t]!)} in ${WEIGHTS_FILE}: an update changes roots only`;
}
