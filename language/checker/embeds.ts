/**
 * `embeds(step.X, step.IDS, step.E, ROWS, SEQ, SAMPLES[, GRINDING])`: the step's input tied to its token ids (docs/language.md,
 * compiler/embeds.ts). step.IDS commits the batch's token ids, [ROWS, SEQ]; step.X the embedded input, [ROWS·SEQ, D],
 * token (r, j) at row r·SEQ + j; step.E the embedding table [V, D], opened by a compute check (so its shape, and the
 * table the model computes with, are the committed ones: with a tied output head, the head's b). SAMPLES positions
 * are opened per step, behind the proof of work GRINDING asks for, if given (draw-work.ts). Everything the step
 * program is unrolled over must be a constant; ZP2022 reports what does not fit together.
 */
import * as A from '../ast.ts';
import type { ExprInfo } from './context.ts';
import { MAX_STATIC_LENGTH } from './fold.ts';
import { openedShape, type SourcesHost } from './sources.ts';
import { grindingArgument, rowDrawWork } from './draw-work.ts';
import { T, isDimensionless, typeToString, type Type } from './types.ts';
import { formatValue, isInteger } from './values.ts';

/** The most token ids a table can have: bf16 holds every whole number up to 256 exactly (runtime/run/embeds.ts). */
export const MAX_EMBED_VOCAB = 256;

/** The call's constants once checked: what the compiler unrolls the step program over. */
export interface EmbedsCall {
  readonly input: string;
  readonly ids: string;
  readonly table: string;
  readonly rows: number;
  readonly seq: number;
  readonly samples: number;
  /** Bits of proof of work behind the draw (draw-work.ts; 0 without GRINDING). */
  readonly powBits: number;
  /** The table's committed shape [V, D], from the compute check that opens step.E. */
  readonly tableShape: readonly [number, number];
}

const stepField = (e: A.Expr): string | undefined =>
  e.kind === 'MemberExpr' && e.object.kind === 'NameRef' && e.object.name.name === 'step' ? e.member.name : undefined;

/** Every embeds call in `decls`, wherever it is (the compiler refuses calls outside invariants). */
export function embedsCallsIn(decls: readonly A.Decl[]): A.CallExpr[] {
  const out: A.CallExpr[] = [];
  for (const d of decls) A.walk(d, (n) => n.kind === 'CallExpr' && n.callee.name === 'embeds' && out.push(n));
  return out;
}

/**
 * The committed shape [ROWS, SEQ] an embeds call gives step.`field` as its token ids (their rows and columns are
 * its constants), for from_sources, which opens the ids as its batch; undefined if no call names it.
 */
export function idsShape(host: Pick<SourcesHost, 'evaluate' | 'decls'>, field: string): readonly [number, number] | undefined {
  for (const c of embedsCallsIn(host.decls)) {
    if ((c.args.length !== 6 && c.args.length !== 7) || stepField(c.args[1]!) !== field) continue;
    const [r, s] = [host.evaluate(c.args[3]!), host.evaluate(c.args[4]!)];
    if (r?.kind === 'num' && s?.kind === 'num' && isInteger(r) && isInteger(s)) return [Number(r.num), Number(s.num)];
  }
  return undefined;
}

/** Checks an `embeds` call (arity and types first, then the constants and shapes); its type is bool. */
export function embedsType(e: A.CallExpr, args: readonly ExprInfo[], host: SourcesHost): { type: Type; call?: EmbedsCall } {
  if (args.length !== 6 && args.length !== 7) {
    host.report('ZP2005', e.span, `'embeds' takes 6 or 7 arguments (input, token ids, embedding table, sequences, tokens per sequence, samples, and optionally grinding), found ${args.length}`);
    return { type: T.error };
  }
  if (args.some((a) => a.type.kind === 'error')) return { type: T.bool };
  const [inputE, idsE, tableE, rowsE, seqE, samplesE] = e.args as [A.Expr, A.Expr, A.Expr, A.Expr, A.Expr, A.Expr];
  let ok = true;
  const bad = (code: 'ZP2003' | 'ZP2022' | 'ZP5001' | 'ZP5002' | 'ZP5005', at: A.Expr, message: string): null => {
    host.report(code, at.span, message);
    ok = false;
    return null;
  };
  const field = (x: A.Expr, i: number, what: string): string | undefined => {
    const f = stepField(x);
    if (!f || args[i]!.type.kind !== 'digest') bad('ZP2003', x, `'embeds' needs ${what}, a digest field of the step record (step.NAME), found ${typeToString(args[i]!.type)}`);
    return f;
  };
  const input = field(inputE, 0, 'the root of the committed input whose rows are token embeddings');
  const ids = field(idsE, 1, "the root of the batch's committed token ids");
  const table = field(tableE, 2, 'the root of the committed embedding table');
  const constant = (x: A.Expr, i: number, what: string, min: number, max: number): number | null => {
    const v = host.evaluate(x);
    if (!v) return bad('ZP5001', x, `${what} must be a constant known when the policy is compiled: the step program is unrolled over it`);
    const t = args[i]!.type;
    if (v.kind !== 'num' || !isInteger(v) || (t.kind === 'num' && !isDimensionless(t.dim))) return bad('ZP5005', x, `${what} must be a whole number without a unit, found ${formatValue(v)}`);
    if (v.num < BigInt(min) || v.num > BigInt(max)) return bad('ZP5002', x, `${what} is ${v.num}; it must lie in [${min}, ${max}]`);
    return Number(v.num);
  };
  const rows = constant(rowsE, 3, "embeds' sequence count", 1, 65536);
  const seq = constant(seqE, 4, "embeds' tokens per sequence", 1, 65536);
  const samples = constant(samplesE, 5, "embeds' sample count", 1, Number(MAX_STATIC_LENGTH));
  const grindingE = e.args[6];
  const grinding = grindingE && samples !== null ? grindingArgument(host, grindingE, args[6]!.type, samples, 'embeds', 'ZP2022') : null;
  if (grindingE && grinding === null) ok = false;
  if (!ok) return { type: T.bool };
  if (input === ids || input === table || ids === table) bad('ZP2022', e.args[ids === table ? 2 : 1]!, `'embeds' needs three different tensors: the input, its token ids and the embedding table`);
  const shape = openedShape(host, table!);
  if (!shape) {
    bad('ZP2022', tableE, `no compute check opens step.${table}, so the step proof knows neither its shape nor that the model computes with it; name it as an operand (a, b or c) of a verify clause (a tied output head's b)`);
  } else if (shape[0] > MAX_EMBED_VOCAB) {
    bad('ZP2022', tableE, `step.${table} has ${shape[0]} rows; a token id is a bf16 whole number, exact up to ${MAX_EMBED_VOCAB}, so a table has at most ${MAX_EMBED_VOCAB} rows`);
  }
  const tokens = rows! * seq!;
  if (tokens > 2 ** 24) bad('ZP2022', rowsE, `${rows} sequences of ${seq} tokens are ${tokens} input rows; a committed tensor has at most 2^24`);
  const inputShape = openedShape(host, input!);
  if (shape && inputShape && (inputShape[0] !== tokens || inputShape[1] !== shape[1])) {
    bad('ZP2022', inputE, `step.${input} is opened as [${inputShape[0]}, ${inputShape[1]}] by a compute check, but ${rows} sequences of ${seq} tokens embedded in ${shape[1]} values are [${tokens}, ${shape[1]}]`);
  }
  if (!ok) return { type: T.bool };
  return { type: T.bool, call: { input: input!, ids: ids!, table: table!, rows: rows!, seq: seq!, samples: samples!, powBits: rowDrawWork(samples!, grinding).powBits, tableShape: shape! } };
}
