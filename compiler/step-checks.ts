/**
 * The `verify` compute checks in the step program, after its invariants (compile.ts step()): first the layouts of
 * the committed weights that bound checks read (step-weights.ts), each read with the initial layout it must agree
 * with in names and shapes, in a `weights` region; then every check in its own region, in source order: b's binding
 * to the committed weights (when it has one), then the single product (verify.ts) or the family (family.ts).
 * `start` is the state as the step began (its weights are the ones the products use); the roots are the step
 * record's. The attestation reads the same layouts from the final state (lowerLayoutReads).
 */
import type * as A from '../language/ast.ts';
import { lowerFamilyCheck } from './family.ts';
import { LoweringError, type Lowerer, type LV } from './lower.ts';
import { boundName, lowerStepLayout, lowerWeightsBinding, stepLayouts } from './step-weights.ts';
import { lowerComputeCheck, type ComputeCheck } from './verify.ts';

/** Runs `lower` with its instructions attributed to one region (compile.ts's). */
export type Region = (kind: string, name: string, at: string, lower: () => void) => void;

type Verifies = readonly { decl: A.VerifyDecl; check: ComputeCheck }[];

const fail = (message: string, at: string): never => {
  throw new LoweringError(message, at);
};

/** A check's failure message: its clause, description and place. */
function messageOf(verifies: Verifies, check: ComputeCheck): string {
  const decl = verifies.find((v) => v.check === check)!.decl;
  return `verify ${check.name} failed${decl.description ? `: ${decl.description.value}` : ''} (${check.at})`;
}

const digestOf = (v: LV | undefined, what: string, check: ComputeCheck): number => (v?.k === 'digest' ? v.addr : fail(`verify ${check.name}: ${what} is not a digest`, check.at));

/**
 * Every layout the bound checks read (step-weights.ts lowerStepLayout), from `state` (the state as the step began;
 * in the attestation, as the last step ended: `role` says which), each in its own `weights` region; `ranged` says
 * whether genesis range-checked a spec field's layout of that many tensors. Returns each layout's entries by field.
 */
export function lowerLayoutReads(L: Lowerer, verifies: Verifies, state: ReadonlyMap<string, LV>, ranged: (initial: string, tensors: number) => boolean, region: Region, role = 'the step starts from'): Map<string, ReturnType<typeof lowerStepLayout>> {
  const layouts = new Map<string, ReturnType<typeof lowerStepLayout>>();
  for (const w of stepLayouts(verifies.map((v) => v.check))) {
    region('weights', `state.${w.field}`, w.check.at, () => {
      const roots = { start: digestOf(state.get(w.field), `state.${w.field}`, w.check), initial: digestOf(L.spec.get(w.initial), `spec.${w.initial}`, w.check), ranged: ranged(w.initial, w.tensors), role };
      layouts.set(w.field, lowerStepLayout(L, w, roots, messageOf(verifies, w.check)));
    });
  }
  return layouts;
}

export function lowerStepChecks(L: Lowerer, verifies: Verifies, start: ReadonlyMap<string, LV>, ranged: (initial: string, tensors: number) => boolean, region: Region): void {
  const layouts = lowerLayoutReads(L, verifies, start, ranged, region);
  for (const { check } of verifies) {
    const root = (field: string): number => digestOf(L.step.get(field), `step.${field}`, check);
    const memberRoots = (field: string): number[] => {
      const v = L.step.get(field);
      const { from, to } = check.family!;
      const items = v?.k === 'array' && v.items.length >= to ? v.items.slice(from, to) : fail(`verify ${check.name}: step.${field} is not an array of at least ${to} digests`, check.at);
      return items.map((x) => digestOf(x, `step.${field}[…]`, check));
    };
    const message = messageOf(verifies, check);
    region('verify', check.name, check.at, () => {
      const entries = check.weights && layouts.get(check.weights.field)!;
      if (entries && check.family) {
        const { from } = check.family;
        memberRoots(check.b).forEach((b, i) => lowerWeightsBinding(L, check, entries, b, message, boundName(check, from + i), `${check.b}[${from + i}]`));
      } else if (entries) lowerWeightsBinding(L, check, entries, root(check.b), message);
      if (check.family) lowerFamilyCheck(L, check, { a: memberRoots(check.a), b: memberRoots(check.b), c: memberRoots(check.c) }, message);
      else lowerComputeCheck(L, check, { a: root(check.a), b: root(check.b), c: root(check.c) }, message);
    });
  }
}
