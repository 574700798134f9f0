/**
 * `weight_params(spec.W, T)`, `weight_layers(spec.W, T)` and `weight_experts(spec.W, T)`: the parameter count and
 * the architecture derived, in the genesis proof, from the committed layout of the initial weights (docs/language.md,
 * compiler/weights.ts). spec.W is the layout root (a digest field of the spec, runtime/run/weights.ts) and T the
 * number of tensors it lists, a constant: the genesis program is unrolled over them. They are read by attest claims
 * only (genesis is the proof that opens the layout); one spec field has one tensor count (ZP2023).
 */
import * as A from '../ast.ts';
import type { DiagnosticCode } from '../diagnostics.ts';
import type { CheckContext, ExprInfo } from './context.ts';
import { dimOf, isDimensionless, T, typeToString, type Type } from './types.ts';
import { formatValue, isInteger, type Value } from './values.ts';

/** The built-ins that read the committed weights' layout. */
export const WEIGHT_BUILTINS = ['weight_params', 'weight_layers', 'weight_experts'] as const;
export type WeightBuiltin = (typeof WEIGHT_BUILTINS)[number];
export const isWeightBuiltin = (name: string): name is WeightBuiltin => (WEIGHT_BUILTINS as readonly string[]).includes(name);

/** The most tensors a layout may list (runtime/run/weights.ts MAX_WEIGHT_TENSORS). */
export const MAX_WEIGHT_TENSORS = 65536;

export interface WeightsHost {
  report(code: DiagnosticCode, span: A.Span, message: string): void;
  evaluate(e: A.Expr): Value | undefined;
}

/** The spec field a weight built-in reads (its first argument, spec.NAME), or undefined when it is not one. */
export function weightsField(e: A.CallExpr): string | undefined {
  const a = e.args[0];
  return a?.kind === 'MemberExpr' && a.object.kind === 'NameRef' && a.object.name.name === 'spec' ? a.member.name : undefined;
}

/** Every call of a weight built-in in `node`, in source order. */
export function weightCalls(node: A.Node): A.CallExpr[] {
  const out: A.CallExpr[] = [];
  A.walk(node, (n) => n.kind === 'CallExpr' && isWeightBuiltin(n.callee.name) && out.push(n));
  return out;
}

/**
 * Checks a weight built-in call: two arguments, spec.W a digest field of the spec, T a whole constant in
 * [1, MAX_WEIGHT_TENSORS], the call in an attest claim, and one T per field (`counts`, shared by the file's
 * calls). Its type: `int param` for weight_params, `int` for the others.
 */
export function weightCallType(name: WeightBuiltin, e: A.CallExpr, args: readonly ExprInfo[], ctx: CheckContext, host: WeightsHost, counts: Map<string, { tensors: bigint; span: A.Span }>): Type {
  const result = name === 'weight_params' ? T.int(dimOf('param')) : T.int();
  if (args.length !== 2) {
    host.report('ZP2005', e.span, `'${name}' takes 2 arguments (the weights' layout root spec.NAME and its tensor count), found ${args.length}`);
    return T.error;
  }
  if (ctx.where !== 'an attest claim') {
    host.report('ZP2023', e.span, `'${name}' reads the committed weights' layout, which the genesis proof opens: call it in an attest claim, not in ${ctx.where}`);
    return T.error;
  }
  const field = weightsField(e);
  const t = args[0]!.type;
  if (t.kind !== 'error' && (!field || t.kind !== 'digest')) {
    host.report('ZP2003', e.args[0]!.span, `'${name}' needs the root of the committed weights' layout, a digest field of the spec record (spec.NAME), found ${typeToString(t)}`);
    return T.error;
  }
  if (args[1]!.type.kind === 'error' || t.kind === 'error') return result;
  const v = host.evaluate(e.args[1]!);
  const count = e.args[1]!;
  if (!v) {
    host.report('ZP5001', count.span, `the tensor count of '${name}' must be a constant known when the policy is compiled: the genesis program reads every tensor of the layout`);
    return T.error;
  }
  const ct = args[1]!.type;
  if (v.kind !== 'num' || !isInteger(v) || (ct.kind === 'num' && !isDimensionless(ct.dim))) {
    host.report('ZP5005', count.span, `the tensor count of '${name}' must be a whole number without a unit, found ${formatValue(v)}`);
    return T.error;
  }
  if (v.num < 1n || v.num > BigInt(MAX_WEIGHT_TENSORS)) {
    host.report('ZP5002', count.span, `the tensor count of '${name}' is ${v.num}; it must lie in [1, ${MAX_WEIGHT_TENSORS}]`);
    return T.error;
  }
  const first = counts.get(field!);
  if (!first) counts.set(field!, { tensors: v.num, span: e.span });
  else if (first.tensors !== v.num) {
    host.report(
      'ZP2023',
      count.span,
      `spec.${field} is read here as a layout of ${v.num} tensors and at line ${first.span.start.line} as ${first.tensors}; one committed layout has one tensor count, so one of them cannot prove`,
    );
    return T.error;
  }
  return result;
}
