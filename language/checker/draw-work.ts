/**
 * The proof of work behind a row draw (`from_sources`, `embeds`). Their rows are drawn from the roots of tensors
 * the lab commits, so a lab whose committed rows are wrong can commit again (another labelling, another input)
 * until a draw misses the wrong rows: one draw's escape probability is not what a verdict can rest on. The
 * optional last argument GRINDING asks for that many bits against such a prover, as a compute check's `grinding`
 * setting does (verify-settings.ts): the rows are drawn behind powBits bits of proof of work, so each redraw costs
 * 2^powBits hashes and escaping costs 2^(drawBits + powBits).
 *
 * drawBits is one draw's figure at the fraction of wrong rows the reports use, a quarter: k rows drawn uniformly
 * and independently all miss them with probability (3/4)^k, so drawBits = −k·log2(3/4), rounded down to a tenth.
 * Without GRINDING there is no work: the report then rests the claim on drawBits alone and says so.
 */
import type * as A from '../ast.ts';
import type { DiagnosticCode } from '../diagnostics.ts';
import { isDimensionless, type Type } from './types.ts';
import { formatValue, isInteger, type Value } from './values.ts';
import { powCostWarning } from './pow-cost.ts';
import { MAX_POW_BITS, workToReach, type GrindingFigures } from './verify-settings.ts';

/** The fraction of wrong rows a row draw's figures are stated for. */
export const ROW_DRAW_FRACTION = 0.25;

/** The largest GRINDING a row draw accepts (beyond it the figure says more than the hash can bear). */
export const MAX_ROW_DRAW_GRINDING = 128;

/**
 * The figures of a draw of `samples` rows (drawBits: −log2 of one draw's escape probability with a quarter of the
 * rows wrong, down to a tenth); `grinding` the bits asked for, or null for no work.
 */
export function rowDrawWork(samples: number, grinding: number | null): GrindingFigures {
  return workToReach(Math.floor(-samples * Math.log2(1 - ROW_DRAW_FRACTION) * 10) / 10, grinding);
}

export interface GrindingHost {
  report(code: DiagnosticCode, span: A.Span, message: string): void;
  evaluate(e: A.Expr): Value | undefined;
}

/**
 * The GRINDING argument `x` of type `type` of a call `name` drawing `samples` rows: a constant whole number of bits
 * in [1, MAX_ROW_DRAW_GRINDING] whose proof of work fits MAX_POW_BITS. Reports what is wrong (the sample count to
 * raise, or the most the draw can reach) with `code` and returns null; the bits otherwise.
 */
export function grindingArgument(host: GrindingHost, x: A.Expr, type: Type, samples: number, name: string, code: DiagnosticCode): number | null {
  const what = `${name}' grinding (bits against a prover that commits again to redraw)`;
  const v = host.evaluate(x);
  if (!v) return host.report('ZP5001', x.span, `${what} must be a constant known when the policy is compiled`), null;
  if (v.kind !== 'num' || !isInteger(v) || (type.kind === 'num' && !isDimensionless(type.dim))) {
    return host.report('ZP5005', x.span, `${what} must be a whole number without a unit, found ${formatValue(v)}`), null;
  }
  if (v.num < 1n || v.num > BigInt(MAX_ROW_DRAW_GRINDING)) return host.report('ZP5002', x.span, `${what} is ${v.num}; it must lie in [1, ${MAX_ROW_DRAW_GRINDING}]`), null;
  const bits = Number(v.num);
  const work = rowDrawWork(samples, bits);
  if (work.powBits > MAX_POW_BITS) {
    host.report(
      code,
      x.span,
      `${samples} sampled rows give ${work.drawBits} bits a draw (a quarter of the rows wrong); reaching ${bits} bits against a prover that commits again ` +
        `would take ${work.powBits} bits of proof of work, more than ${MAX_POW_BITS}: sample more rows, or ask for ${Math.floor(work.drawBits + MAX_POW_BITS)} at most`,
    );
    return null;
  }
  const costly = powCostWarning(`${name}' draw of ${samples} rows (${work.drawBits} bits a draw, ${bits} asked for)`, work.powBits, 'sample more rows so that a draw needs less work, or ask for fewer bits');
  if (costly) host.report('ZP2025', x.span, costly);
  return bits;
}
