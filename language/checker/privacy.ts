/**
 * Privacy flow. Privacy is a two-point lattice: an expression is private when it reads a spec field not marked
 * `public`, a step field or state; constants, literals and public spec fields are public, and an expression
 * built from others is private when any of them is (the expression checker joins them as it types them,
 * expressions.ts). An `output` is revealed to every verifier, so a private one must say why with `reveal`
 * (ZP4001), and a public one needs no reason (ZP4002).
 */
import type * as A from '../ast.ts';
import type { DiagnosticSink } from '../diagnostics.ts';

/** Whether reading `record.field` is private: every step field is, and every spec field not marked `public`. */
export function isPrivateField(record: 'spec' | 'step', field: A.Field): boolean {
  return record === 'step' || !field.isPublic;
}

/** Reading state is private: it is computed from the step records. */
export const STATE_IS_PRIVATE = true;

/** Whether `output` may reveal its value: a private value only with a `reveal` reason, a public one without. */
export function checkDisclosure(output: A.ClauseDecl, isPrivate: boolean, sink: DiagnosticSink): void {
  if (isPrivate && !output.reveal) {
    sink.report(
      'ZP4001',
      output.value.span,
      `output '${output.name.name}' is computed from private data and would be revealed to every verifier; add 'reveal "why this may be disclosed"' or compute it from public values`,
    );
  } else if (!isPrivate && output.reveal) {
    sink.report('ZP4002', output.reveal.span, `output '${output.name.name}' reads only public values; 'reveal' is not needed`);
  }
}
