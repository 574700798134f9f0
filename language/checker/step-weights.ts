/**
 * A compute check's `weights` setting: `weights: weight_tensor(F, T, "NAME")` binds its b operand to the committed
 * weights (docs/language.md, compiler/step-weights.ts). F is a `digest` state field holding the layout root of the
 * model's current weights (initialised from the spec's, spec.W, and set by `on step` to each step's committed
 * update); T, a constant, is how many tensors the layout lists; NAME the tensor's name in it (a string of 1 to 256
 * bytes). The step proof reads the layout F held as the step began and requires b's root to be NAME's, with bᵀ's
 * shape. In a family of products (`verify NAME[l in FROM..TO]`) NAME names each member's tensor with the family's
 * variable in braces ("blocks.{l}.mlp_up.weight"), and every member's b is bound, drawn or not. `weight_tensor`
 * means nothing elsewhere (ZP2024).
 *
 * F must start from a spec field, `state { F: digest = spec.W }`: the committed initial layout, whose tensor names,
 * kinds, blocks and shapes genesis reads for weight_params, weight_layers and weight_experts. Each step also reads
 * spec.W's layout and requires the layout it starts from to list the same tensors in the same order with the same
 * names, kinds, blocks and shapes (only the roots change): so no update renames or reshapes a tensor, and what
 * genesis derived from the initial layout describes the weights of every step.
 */
import type * as A from '../ast.ts';
import type { SettingsChecker } from './context.ts';
import { MAX_WEIGHT_TENSORS } from './weights.ts';
import { formatValue, isInteger } from './values.ts';
import { isDimensionless } from './types.ts';

export const WEIGHT_TENSOR = 'weight_tensor';
/** The longest tensor name, in UTF-8 bytes (runtime/run/weights.ts MAX_NAME_BYTES). */
export const MAX_TENSOR_NAME_BYTES = 256;

/** What a `weights` setting names, once checked. */
export interface WeightsSetting {
  readonly field: string;
  readonly tensors: number;
  readonly name: string;
  /** The spec field the state field starts from (`state { F: digest = spec.W }`): W. */
  readonly initial: string;
}

/** W when the state field `f` starts from `spec.W` (parentheses aside), else undefined. */
export function initialSpecField(f: A.Field | undefined): string | undefined {
  let e = f?.initial;
  while (e?.kind === 'ParenExpr') e = e.inner;
  return e?.kind === 'MemberExpr' && e.object.kind === 'NameRef' && e.object.name.name === 'spec' ? e.member.name : undefined;
}

/** The message for `weight_tensor` anywhere but a verify clause's `weights` setting. */
export const misplacedWeightTensor = `'${WEIGHT_TENSOR}' names the committed weights a compute check multiplies by: write it as a verify clause's setting, 'weights: ${WEIGHT_TENSOR}(STATE, T, "NAME")'`;

/**
 * Reads a `weights` setting without reporting (the compiler's view), undefined when it is not well formed;
 * `stateField` finds a state field's declaration by name.
 */
export function weightsSetting(value: A.Expr, evaluate: (e: A.Expr) => ReturnType<SettingsChecker['evaluate']>, stateField: (name: string) => A.Field | undefined): WeightsSetting | undefined {
  if (value.kind !== 'CallExpr' || value.callee.name !== WEIGHT_TENSOR || value.args.length !== 3) return undefined;
  const [f, t, n] = value.args as [A.Expr, A.Expr, A.Expr];
  const v = evaluate(t);
  if (f.kind !== 'NameRef' || n.kind !== 'StringLiteral' || v?.kind !== 'num' || v.den !== 1n) return undefined;
  const initial = initialSpecField(stateField(f.name.name));
  return initial === undefined ? undefined : { field: f.name.name, tensors: Number(v.num), name: n.value, initial };
}

/** Checks a verify clause's `weights` setting (module comment). */
export function checkWeightsSetting(d: A.VerifyDecl, value: A.Expr, checker: SettingsChecker): void {
  const bad = (at: A.Node, message: string): void => checker.report('ZP2024', at.span, message);
  const form = `'weights' binds b to the committed weights: weights: ${WEIGHT_TENSOR}(STATE, T, "NAME"), STATE a digest state field holding the layout root, T its tensor count, NAME b's tensor`;
  if (value.kind !== 'CallExpr' || value.callee.name !== WEIGHT_TENSOR) return bad(value, `${form}`);
  checker.bind(value.callee);
  if (value.args.length !== 3) return void checker.report('ZP2005', value.span, `'${WEIGHT_TENSOR}' takes 3 arguments (the state field holding the layout root, its tensor count, the tensor's name), found ${value.args.length}`);
  const [f, t, n] = value.args as [A.Expr, A.Expr, A.Expr];
  const sym = f.kind === 'NameRef' ? checker.bind(f.name) : undefined;
  if (sym?.kind !== 'state' || checker.fieldType(sym.field).kind !== 'digest') {
    bad(f, `the first argument of '${WEIGHT_TENSOR}' must be a digest state field holding the current weights' layout root (state { W: digest = spec.W }, set by 'on step' to each step's committed update)`);
  } else if (initialSpecField(sym.field) === undefined) {
    bad(f, `the state field '${sym.field.name.name}' must start from the committed initial layout, a spec field (state { ${sym.field.name.name}: digest = spec.W }): each step checks that its layout lists the initial layout's tensors, names and shapes`);
  }
  const v = checker.evaluate(t);
  const tt = checker.typeOf(t);
  if (tt.kind !== 'error') {
    if (!v) checker.report('ZP5001', t.span, `the tensor count of '${WEIGHT_TENSOR}' must be a constant known when the policy is compiled: the step program reads every tensor of the layout`);
    else if (v.kind !== 'num' || !isInteger(v) || (tt.kind === 'num' && !isDimensionless(tt.dim))) checker.report('ZP5005', t.span, `the tensor count of '${WEIGHT_TENSOR}' must be a whole number without a unit, found ${formatValue(v)}`);
    else if (v.num < 1n || v.num > BigInt(MAX_WEIGHT_TENSORS)) checker.report('ZP5002', t.span, `the tensor count of '${WEIGHT_TENSOR}' is ${v.num}; it must lie in [1, ${MAX_WEIGHT_TENSORS}]`);
  }
  const bytes = n.kind === 'StringLiteral' ? new TextEncoder().encode(n.value).length : 0;
  if (n.kind !== 'StringLiteral' || bytes < 1 || bytes > MAX_TENSOR_NAME_BYTES) {
    bad(n, `the third argument of '${WEIGHT_TENSOR}' must be the tensor's name in the layout, a string of 1 to ${MAX_TENSOR_NAME_BYTES} bytes ("fc1.weight")`);
  } else if (d.family && !n.value.includes(`{${d.family.variable.name}}`)) {
    bad(n, `the members of the family verify '${d.name.name}' multiply by one tensor each: name member ${d.family.variable.name}'s with {${d.family.variable.name}} ("blocks.{${d.family.variable.name}}.mlp_up.weight")`);
  }
}
