/** The types of calls to the built-in functions (symbols.ts BUILTIN_FUNCTIONS): their arity and arguments. */
import type * as A from '../ast.ts';
import type { DiagnosticCode } from '../diagnostics.ts';
import type { ExprInfo } from './context.ts';
import type { BuiltinFunction } from './symbols.ts';
import { T, isNumeric, typeToString, type Type } from './types.ts';

/** What typing a built-in call needs of the expression checker: reporting, and unifying two argument types. */
export interface BuiltinHost {
  report(code: DiagnosticCode, span: A.Span, message: string): void;
  /** The common type of two arguments (`min(a, b)`), or the error type after reporting why there is none. */
  unify(a: Type, b: Type, at: A.Expr, what: string): Type;
  /** The family `verify` clause whose operand `e` (step.F or step.F[i]) is, if it is one. */
  familyOperand(e: A.Expr): A.VerifyDecl | undefined;
}

/** The type of `name(args)`, reporting a wrong arity or argument type; the error type when there is none. */
export function builtinCallType(name: BuiltinFunction, e: A.CallExpr, args: readonly ExprInfo[], host: BuiltinHost): Type {
  const arity = (n: number): boolean => {
    if (args.length === n) return true;
    host.report('ZP2005', e.span, `'${name}' takes ${n} argument${n === 1 ? '' : 's'}, found ${args.length}`);
    return false;
  };
  const numeric = (i: number): Extract<Type, { kind: 'num' }> | undefined => {
    const t = args[i].type;
    if (isNumeric(t)) return t;
    if (t.kind !== 'error') host.report('ZP2003', e.args[i].span, `'${name}' needs a number, found ${typeToString(t)}`);
    return undefined;
  };
  switch (name) {
    case 'len': {
      if (!arity(1)) return T.error;
      const t = args[0].type;
      if (t.kind !== 'array' && t.kind !== 'error') host.report('ZP2003', e.args[0].span, `'len' needs an array, found ${typeToString(t)}`);
      return T.int();
    }
    case 'ceil':
    case 'floor': {
      if (!arity(1)) return T.error;
      const t = numeric(0);
      return t ? T.int(t.dim) : T.error;
    }
    case 'abs': {
      if (!arity(1)) return T.error;
      return numeric(0) ?? T.error;
    }
    case 'rows': {
      // rows(step.F): the rows of the tensor a compute check opens against step.F (check-file.ts checks that one
      // does): a count the step proof binds, because every opened leaf hashes the committed shape.
      if (!arity(1)) return T.error;
      const a = e.args[0];
      const t = args[0].type;
      const isStepField = a.kind === 'MemberExpr' && a.object.kind === 'NameRef' && a.object.name.name === 'step';
      // A family's members are drawn, with replacement, so some step may open none of a given member (whatever
      // `draws` is): nothing binds their rows every step (docs/language.md, "Counts bound to commitments").
      const family = host.familyOperand(a);
      if (family) {
        const [field, which] = a.kind === 'IndexExpr' ? [a.object, 'a member of '] : [a, ''];
        const name = field.kind === 'MemberExpr' ? `step.${field.member.name}` : 'it';
        host.report(
          'ZP2019',
          a.span,
          `${which}${name} is an operand of the family verify ${family.name.name}, which opens only the members it draws (with replacement), so no member's rows are bound at every step; count the rows of a tensor a single-product verify clause opens`,
        );
        return T.int();
      }
      if (t.kind !== 'error' && (!isStepField || t.kind !== 'digest')) {
        host.report('ZP2003', a.span, `'rows' needs a committed tensor's root, a digest field of the step record (step.NAME), found ${typeToString(t)}`);
      }
      return T.int();
    }
    case 'count_labels': {
      // count_labels(step.F, ROWS, N): how many of the ROWS labels committed in step.F are 0, 1, ..., N - 1. The
      // step program reads every label and rebuilds the root (compiler/labels.ts); expressions.ts checks that
      // ROWS and N are constants and gives the array its length N.
      if (!arity(3)) return T.error;
      const a = e.args[0];
      const t = args[0].type;
      const isStepField = a.kind === 'MemberExpr' && a.object.kind === 'NameRef' && a.object.name.name === 'step';
      if (t.kind !== 'error' && (!isStepField || t.kind !== 'digest')) {
        host.report('ZP2003', a.span, `'count_labels' needs a committed label tensor's root, a digest field of the step record (step.NAME), found ${typeToString(t)}`);
        return T.error;
      }
      return T.int();
    }
    case 'from_sources':
    case 'embeds':
      // Typed with their constants by sources.ts and embeds.ts (expressions.ts calls them instead of this).
      return T.bool;
    case 'weight_params':
    case 'weight_layers':
    case 'weight_experts':
      // Typed with their constants and context by weights.ts (expressions.ts calls it instead of this).
      return T.int();
    case 'weight_tensor':
      // Only a verify clause's `weights` setting (step-weights.ts); expressions.ts reports it anywhere else.
      return T.error;
    case 'sum':
    case 'min':
    case 'max': {
      if (args.length === 1) {
        const t = args[0].type;
        if (t.kind === 'error') return T.error;
        if (t.kind !== 'array' || !isNumeric(t.element)) {
          host.report('ZP2003', e.args[0].span, `'${name}' of one argument needs an array of numbers, found ${typeToString(t)}`);
          return T.error;
        }
        return t.element;
      }
      if (name === 'sum') {
        arity(1);
        return T.error;
      }
      if (!arity(2)) return T.error;
      const a = numeric(0);
      const b = numeric(1);
      if (!a || !b) return T.error;
      return host.unify(a, b, e.args[1], `the arguments of '${name}'`);
    }
  }
}
