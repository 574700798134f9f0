/**
 * `from_sources(step.L, step.X, spec.D, NAMES, EXAMPLES, COLS, SAMPLES[, GRINDING])`: membership sampling of the batch in the
 * datasets of its sources (docs/language.md, compiler/members.ts). step.L commits the batch's [R, 1] source labels,
 * step.X the batch (rows opened by a compute check, or token ids an `embeds` call opens, so its shape [R, C] is known), spec.D the sources' dataset
 * roots ([digest; N], committed at genesis), NAMES the sources in registry order as distinct members of one enum
 * (their names are the registry's), EXAMPLES each dataset's example count, COLS the width of an example row
 * (C ≤ COLS: a batch row is the first C values of its example), SAMPLES how many batch rows the step proof opens
 * and GRINDING, optional, the bits asked for against a prover that commits again to redraw them (draw-work.ts).
 * Everything the step program is unrolled over must be a constant; ZP2021 reports what does not fit together.
 */
import type * as A from '../ast.ts';
import type { DiagnosticCode } from '../diagnostics.ts';
import type { ExprInfo } from './context.ts';
import { MAX_STATIC_LENGTH } from './fold.ts';
import { T, isDimensionless, typeToString, type Type } from './types.ts';
import { formatValue, isInteger, type Value } from './values.ts';
import { openingCheck } from './verify-settings.ts';
import { idsShape } from './embeds.ts';
import { grindingArgument, rowDrawWork } from './draw-work.ts';

/** The most examples a dataset can hold: a committed tensor has at most 2^24 rows (runtime/run/tensor-commit.ts). */
export const MAX_DATASET_EXAMPLES = 2 ** 24;

export interface SourcesHost {
  report(code: DiagnosticCode, span: A.Span, message: string): void;
  evaluate(e: A.Expr): Value | undefined;
  readonly decls: readonly A.Decl[];
}

/** The call's constants once checked: what the compiler unrolls the step program over. */
export interface FromSourcesCall {
  readonly labels: string;
  readonly batch: string;
  readonly datasets: string;
  readonly names: readonly string[];
  readonly examples: readonly number[];
  readonly cols: number;
  readonly samples: number;
  /** Bits of proof of work behind the draw (draw-work.ts; 0 without GRINDING). */
  readonly powBits: number;
  /** The batch's committed shape [R, C], from the compute check that opens step.X. */
  readonly batchShape: readonly [number, number];
}

const recordField = (e: A.Expr, record: 'step' | 'spec'): string | undefined =>
  e.kind === 'MemberExpr' && e.object.kind === 'NameRef' && e.object.name.name === record ? e.member.name : undefined;

/** The committed shape of step.`field` as the first compute check that opens it commits it; undefined if none does. */
export function openedShape(host: Pick<SourcesHost, 'evaluate' | 'decls'>, field: string): readonly [number, number] | undefined {
  const opened = openingCheck(host.decls, field);
  const dims = opened?.decl.settings.find((s) => s.key.name === 'dims')?.value;
  const v = dims ? host.evaluate(dims) : undefined;
  if (v?.kind !== 'array' || v.elements.length !== 3 || !v.elements.every((x) => x.kind === 'num' && isInteger(x))) return undefined;
  const [M, K, N] = v.elements.map((x) => Number((x as Extract<Value, { kind: 'num' }>).num)) as [number, number, number];
  return opened!.operand === 'a' ? [M, K] : opened!.operand === 'b' ? [N, K] : [M, N];
}

/** Checks a `from_sources` call (arity and types first, then the constants); its type is bool. */
export function fromSourcesType(e: A.CallExpr, args: readonly ExprInfo[], host: SourcesHost): { type: Type; call?: FromSourcesCall } {
  if (args.length !== 7 && args.length !== 8) {
    host.report('ZP2005', e.span, `'from_sources' takes 7 or 8 arguments (labels, batch, dataset roots, names, examples, example width, samples, and optionally grinding), found ${args.length}`);
    return { type: T.error };
  }
  if (args.some((a) => a.type.kind === 'error')) return { type: T.bool };
  const [labelsE, batchE, datasetsE, namesE, examplesE, colsE, samplesE] = e.args as [A.Expr, A.Expr, A.Expr, A.Expr, A.Expr, A.Expr, A.Expr];
  const type = (i: number): Type => args[i]!.type;
  const labels = recordField(labelsE, 'step');
  const batch = recordField(batchE, 'step');
  const datasets = recordField(datasetsE, 'spec');
  let ok = true;
  const bad = (code: DiagnosticCode, at: A.Expr, message: string): void => {
    host.report(code, at.span, message);
    ok = false;
  };
  if (!labels || type(0).kind !== 'digest') bad('ZP2003', labelsE, `'from_sources' needs the root of the batch's committed source labels, a digest field of the step record (step.NAME), found ${typeToString(type(0))}`);
  if (!batch || type(1).kind !== 'digest') bad('ZP2003', batchE, `'from_sources' needs the root of the committed batch, a digest field of the step record (step.NAME), found ${typeToString(type(1))}`);
  const dt = type(2);
  if (!datasets || dt.kind !== 'array' || dt.element.kind !== 'digest' || dt.length === null) {
    bad('ZP2003', datasetsE, `'from_sources' needs the sources' dataset roots, a spec field of type [digest; N] committed at genesis (spec.NAME), found ${typeToString(dt)}`);
  }
  const constant = (x: A.Expr, what: string, min: number, max: number): number | null => {
    const v = host.evaluate(x);
    if (!v) return bad('ZP5001', x, `${what} must be a constant known when the policy is compiled: the step program is unrolled over it`), null;
    if (v.kind !== 'num' || !isInteger(v) || (type(e.args.indexOf(x)).kind === 'num' && !isDimensionless((type(e.args.indexOf(x)) as Extract<Type, { kind: 'num' }>).dim))) {
      return bad('ZP5005', x, `${what} must be a whole number without a unit, found ${formatValue(v)}`), null;
    }
    if (v.num < BigInt(min) || v.num > BigInt(max)) return bad('ZP5002', x, `${what} is ${v.num}; it must lie in [${min}, ${max}]`), null;
    return Number(v.num);
  };
  const cols = constant(colsE, "from_sources' example width", 1, Number(MAX_STATIC_LENGTH));
  const samples = constant(samplesE, "from_sources' sample count", 1, Number(MAX_STATIC_LENGTH));
  const grindingE = e.args[7];
  const grinding = grindingE && samples !== null ? grindingArgument(host, grindingE, type(7), samples, "from_sources", 'ZP2021') : null;
  if (grindingE && grinding === null) ok = false;
  // The names: distinct members of one enum, in registry order.
  const namesV = host.evaluate(namesE);
  const names: string[] = [];
  if (namesV?.kind !== 'array' || namesV.elements.length === 0 || !namesV.elements.every((x) => x.kind === 'enum')) {
    bad('ZP2021', namesE, `'from_sources' names the sources as a constant array of members of one enum, in the registry's order ([Source.curated, Source.synthetic]), found ${namesV ? formatValue(namesV) : 'a value not known when the policy is compiled'}`);
  } else {
    const decl = (namesV.elements[0] as Extract<Value, { kind: 'enum' }>).decl;
    for (const x of namesV.elements as Extract<Value, { kind: 'enum' }>[]) {
      if (x.decl !== decl) bad('ZP2021', namesE, `the sources are members of one enum; ${decl.name.name}.${names[0]} and ${x.decl.name.name}.${x.member} are not`);
      else if (names.includes(x.member)) bad('ZP2021', namesE, `source ${decl.name.name}.${x.member} is named twice; each registry entry is one source`);
      names.push(x.member);
    }
    if (names.length > 256) bad('ZP2021', namesE, `${names.length} sources; a source label names at most 256`);
  }
  const examplesV = host.evaluate(examplesE);
  const examples: number[] = [];
  if (examplesV?.kind !== 'array' || !examplesV.elements.every((x) => x.kind === 'num' && isInteger(x) && x.num >= 1n && x.num <= BigInt(MAX_DATASET_EXAMPLES))) {
    bad('ZP2021', examplesE, `'from_sources' needs each dataset's example count as a constant array of whole numbers from 1 to ${MAX_DATASET_EXAMPLES}, found ${examplesV ? formatValue(examplesV) : 'a value not known when the policy is compiled'}`);
  } else examples.push(...examplesV.elements.map((x) => Number((x as Extract<Value, { kind: 'num' }>).num)));
  if (!ok) return { type: T.bool };
  const N = names.length;
  if (dt.kind === 'array' && dt.length !== BigInt(N)) bad('ZP2021', datasetsE, `spec.${datasets} holds ${dt.length} dataset roots, but ${N} sources are named`);
  if (examples.length !== N) bad('ZP2021', examplesE, `${examples.length} example counts for ${N} sources`);
  // A compute check's operand, or the token ids an embeds call opens (its constants give their shape).
  const shape = openedShape(host, batch!) ?? idsShape(host, batch!);
  if (!shape) bad('ZP2021', batchE, `no compute check opens step.${batch} and no embeds call names it as its token ids, so the step proof knows neither its shape nor its rows; name it as an operand (a, b or c) of a verify clause`);
  else if (shape[1] > cols!) bad('ZP2021', colsE, `a row of step.${batch} has ${shape[1]} values, more than an example's ${cols}; a batch row is the first values of its example`);
  if (!ok) return { type: T.bool };
  return { type: T.bool, call: { labels: labels!, batch: batch!, datasets: datasets!, names, examples, cols: cols!, samples: samples!, powBits: rowDrawWork(samples!, grinding).powBits, batchShape: shape! } };
}
