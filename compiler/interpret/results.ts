/** What the reference interpreter reports: one result per clause, the whole evaluation, and its text report. */
import type { Type } from '../../language/checker/types.ts';
import type { Json, Rational, RunValue } from '../values.ts';
import type { Location } from './env.ts';

export interface AttestResult {
  name: string;
  description: string | null;
  location: Location;
  holds: boolean;
  /** Why it failed, in the policy's terms; absent when it holds. */
  message?: string;
  /** Why it was not evaluated (it reads the committed weights' layout, which records alone do not carry). */
  unevaluated?: string;
}

export interface InvariantResult {
  name: string;
  description: string | null;
  location: Location;
  /** Whether it held after every step evaluated. */
  holds: boolean;
  /** Whether it held after step i, for every step evaluated. */
  results: boolean[];
  /** One entry per failing step, in step order. */
  failures: { step: number; message: string }[];
  /** Why it was not evaluated (it counts committed labels, which records alone do not carry); absent when it was. */
  unevaluated?: string;
}

export interface VerifyResult {
  name: string;
  description: string | null;
  location: Location;
  status: "not evaluated: it needs the run's tensors (zpol prove runs it)";
  /** The committed operands as written (`step.x_root`). */
  a: string;
  b: string;
  c: string;
  /** [m, k, n] from the spec; null when the dims read step fields (see dimsByStep). */
  dims: [bigint, bigint, bigint] | null;
  /** [m, k, n] at each step, when the dims read step fields. */
  dimsByStep?: [bigint, bigint, bigint][];
  tau: Rational;
  f: Rational;
  /** Output entries sampled: `samples` when given, else ceil(ln(1/tau) / f); rounded up to a multiple of the column strata. */
  samples: number;
  samplesExplicit: boolean;
  order: { kind: 'sequential' } | { kind: 'tensor_core' } | { kind: 'blocked'; width: bigint };
  rounding: 'bf16' | 'f32';
}

export interface OutputResult {
  name: string;
  description: string | null;
  location: Location;
  type: Type;
  /** Absent when the output could not be evaluated (see error) or the run halted. */
  value?: RunValue;
  /** The value as a run value in JSON (docs/run-values.md). */
  json?: Json;
  /** The value for a report, with its unit: `3.6e11 FLOP`. */
  display?: string;
  error?: string;
}

export interface Evaluation {
  policy: string;
  file: string;
  /** Every attest held, every invariant held after every step, nothing failed to evaluate. */
  ok: boolean;
  /** Steps evaluated: all of them, unless the run halted. */
  steps: number;
  attests: AttestResult[];
  invariants: InvariantResult[];
  verifies: VerifyResult[];
  /** Evaluated in the state after the last step; not evaluated when the run halted. */
  outputs: OutputResult[];
  /** A run-time error in `on step`: the run cannot go past this step. */
  halted?: { step: number; message: string };
  /** The state after the last step evaluated. */
  state: Map<string, RunValue>;
  /** Every failure message, in the order found. */
  failures: string[];
}

/** A plain-text report of an evaluation, one line per clause. */
export function formatEvaluation(ev: Evaluation): string {
  const lines = [`policy ${ev.policy} (${ev.file}): ${ev.ok ? 'ok' : 'FAILED'}, ${ev.steps} step${ev.steps === 1 ? '' : 's'}`];
  for (const a of ev.attests) lines.push(a.unevaluated ? `  attest ${a.name}: not evaluated: ${a.unevaluated}` : a.holds ? `  attest ${a.name}: holds` : `  ${a.message}`);
  for (const inv of ev.invariants) {
    if (inv.unevaluated) lines.push(`  invariant ${inv.name}: not evaluated: ${inv.unevaluated}`);
    else if (inv.holds) lines.push(`  invariant ${inv.name}: holds after every step`);
    else {
      lines.push(`  invariant ${inv.name}: fails at ${inv.failures.length} step${inv.failures.length === 1 ? '' : 's'}, first:`);
      lines.push(`    ${inv.failures[0].message}`);
    }
  }
  if (ev.halted) lines.push(`  ${ev.halted.message}`);
  for (const v of ev.verifies) {
    const dims = v.dims ? `dims [${v.dims.join(', ')}]` : 'dims per step';
    lines.push(`  verify ${v.name}: ${v.status}; ${dims}, k = ${v.samples} samples, ${v.order.kind === 'blocked' ? `blocked(${v.order.width})` : v.order.kind}, rounding ${v.rounding}`);
  }
  for (const o of ev.outputs) lines.push(o.error ? `  ${o.error}` : `  output ${o.name} = ${o.display}`);
  return lines.join('\n');
}
