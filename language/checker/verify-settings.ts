/**
 * Settings of a `verify` compute check: which committed matrices, their shape, the assurance the sampling
 * must reach and the floating-point semantics of the product.
 *
 * The sample count follows k >= ln(1/tau) / f: a deviation that touches a fraction f of the output entries
 * escapes k independent uniform samples with probability (1 - f)^k <= e^(-f k) <= tau. `grinding` is the security,
 * in bits, the check must reach against a prover that redraws the samples by committing again (100 unless the
 * policy says otherwise); the compiler adds the proof of work that reaches it (compiler/verify.ts).
 */
import type * as A from '../ast.ts';
import type { SettingsChecker } from './context.ts';
import { isDimensionless, typeToString, type Type } from './types.ts';
import { compareNum, formatValue } from './values.ts';
import { powCostWarning } from './pow-cost.ts';
import { checkWeightsSetting } from './step-weights.ts';

const VERIFY_KEYS = ['a', 'b', 'c', 'dims', 'tau', 'f', 'order', 'rounding', 'samples', 'grinding', 'draws', 'weights'] as const;
type VerifyKey = (typeof VERIFY_KEYS)[number];
const REQUIRED: VerifyKey[] = ['a', 'b', 'c', 'dims', 'tau', 'f', 'order', 'rounding'];

const ROUNDINGS = ['bf16', 'f32'] as const;

/**
 * A family `verify NAME[l in FROM..TO]` (members: its range, when it is a constant and not empty) checks `draws`
 * of its members per step; each operand is `step.F[l]`, one element of a step array of digests per member.
 */
export function checkVerify(d: A.VerifyDecl, checker: SettingsChecker, members: { from: bigint; to: bigint } | null): void {
  const seen = new Map<string, A.VerifySetting>();
  for (const s of d.settings) {
    const key = s.key.name;
    if (!(VERIFY_KEYS as readonly string[]).includes(key)) {
      if (key) checker.report('ZP2014', s.key.span, `unknown setting '${key}' in verify '${d.name.name}'; the settings are ${VERIFY_KEYS.join(', ')}`);
      continue;
    }
    if (seen.has(key)) {
      checker.report('ZP2002', s.key.span, `setting '${key}' is given twice`);
      continue;
    }
    seen.set(key, s);
    if (key === 'draws') checkDraws(d, s, checker, members);
    else if (key === 'weights') checkWeightsSetting(d, s.value, checker);
    else checkSetting(key as VerifyKey, s.value, checker);
    if (d.family && (key === 'a' || key === 'b' || key === 'c')) checkMemberOperand(d, d.family, key, s.value, checker, members);
  }
  if (d.family && !seen.has('draws')) {
    checker.report('ZP2014', d.name.span, `verify '${d.name.name}' is a family of products and is missing 'draws': how many of its members each step checks`);
  }
  const missing = REQUIRED.filter((k) => !seen.has(k));
  if (missing.length > 0) {
    checker.report('ZP2014', d.name.span, `verify '${d.name.name}' is missing ${missing.map((k) => `'${k}'`).join(', ')}`);
  } else checkVerifyWork(d, seen, checker);
}

/** `draws`: a constant whole number of members, 1 to the family's size; only a family has it. */
function checkDraws(d: A.VerifyDecl, s: A.VerifySetting, checker: SettingsChecker, members: { from: bigint; to: bigint } | null): void {
  if (!d.family) {
    checker.report('ZP2014', s.key.span, `'draws' is a family's setting: verify '${d.name.name}' checks one product (write 'verify ${d.name.name}[l in 0..L]' for a family)`);
    return;
  }
  const t = checker.typeOf(s.value);
  if (t.kind === 'error') return;
  const v = checker.evaluate(s.value);
  if (!dimensionlessNumber(t) || v?.kind !== 'num' || v.den !== 1n) {
    checker.report('ZP5001', s.value.span, "'draws' must be a constant whole number of members: the step program is unrolled over the draws");
    return;
  }
  const size = members ? members.to - members.from : null;
  if (v.num < 1n || (size !== null && v.num > size)) {
    checker.report('ZP5006', s.value.span, `'draws' is ${v.num}; it must lie in [1, ${size ?? 'the family size'}]${size !== null ? ` (the family has ${size} members)` : ''}`);
  }
}

/** A family's operand: `step.F[l]`, F a step array of digests holding every member (its length at least TO). */
function checkMemberOperand(d: A.VerifyDecl, family: A.VerifyFamily, key: 'a' | 'b' | 'c', value: A.Expr, checker: SettingsChecker, members: { from: bigint; to: bigint } | null): void {
  const v = family.variable.name;
  const ok =
    value.kind === 'IndexExpr' &&
    value.index.kind === 'NameRef' &&
    value.index.name.name === v &&
    value.object.kind === 'MemberExpr' &&
    value.object.object.kind === 'NameRef' &&
    value.object.object.name.name === 'step';
  if (!ok) {
    checker.report('ZP2014', value.span, `'${key}' of the family verify '${d.name.name}' must be step.NAME[${v}]: member ${v}'s root in a step array of digests`);
    return;
  }
  const t = checker.typeOf(value.object);
  if (t.kind === 'array' && t.length !== null && members && t.length < members.to) {
    const field = value.object.kind === 'MemberExpr' ? value.object.member.name : '';
    checker.report('ZP5006', value.span, `step.${field} has ${t.length} elements; the family's members run to ${members.to - 1n}`);
  }
}

function checkSetting(key: VerifyKey, value: A.Expr, checker: SettingsChecker): void {
  switch (key) {
    case 'a':
    case 'b':
    case 'c': {
      const t = checker.typeOf(value);
      expect(t.kind === 'digest' || t.kind === 'error', checker, value, `'${key}' must be a committed matrix root (digest), found ${typeToString(t)}`);
      return;
    }
    case 'dims': {
      const t = checker.typeOf(value);
      if (t.kind === 'error') return;
      const ok = t.kind === 'array' && t.length === 3n && t.element.kind === 'num' && t.element.base === 'int';
      expect(ok, checker, value, `'dims' must be three whole numbers [m, k, n] (A is m by k, B is k by n), found ${typeToString(t)}`);
      return;
    }
    case 'tau':
    case 'f': {
      const t = checker.typeOf(value);
      if (t.kind === 'error') return;
      if (!dimensionlessNumber(t)) {
        checker.report('ZP2003', value.span, `'${key}' must be a number without a unit, found ${typeToString(t)}`);
        return;
      }
      const v = checker.evaluate(value);
      if (v?.kind !== 'num') {
        checker.report('ZP5001', value.span, `'${key}' must be a constant: the sample count is fixed when the policy is compiled`);
        return;
      }
      const zero = { num: 0n, den: 1n };
      const one = { num: 1n, den: 1n };
      const inRange = compareNum(v, zero) > 0 && (key === 'f' ? compareNum(v, one) <= 0 : compareNum(v, one) < 0);
      if (!inRange) {
        checker.report('ZP5006', value.span, `'${key}' is ${formatValue(v)}; it must lie in ${key === 'f' ? '(0, 1]' : '(0, 1)'}`);
      }
      return;
    }
    case 'samples': {
      const t = checker.typeOf(value);
      if (t.kind === 'error') return;
      const v = checker.evaluate(value);
      if (!dimensionlessNumber(t) || v?.kind !== 'num' || v.den !== 1n) {
        checker.report('ZP5001', value.span, "'samples' must be a constant whole number");
        return;
      }
      if (v.num < 1n) checker.report('ZP5006', value.span, `'samples' is ${v.num}; at least one entry must be sampled`);
      return;
    }
    case 'grinding': {
      const t = checker.typeOf(value);
      if (t.kind === 'error') return;
      const v = checker.evaluate(value);
      if (!dimensionlessNumber(t) || v?.kind !== 'num' || v.den !== 1n) {
        checker.report('ZP5001', value.span, "'grinding' must be a constant whole number of bits");
        return;
      }
      if (v.num < 1n || v.num > 256n) checker.report('ZP5006', value.span, `'grinding' is ${v.num} bits; it must lie in [1, 256]`);
      return;
    }
    case 'order':
      checkOrder(value, checker);
      return;
    case 'rounding': {
      const word = modeWord(value);
      if (word && (ROUNDINGS as readonly string[]).includes(word)) return;
      checker.report('ZP2014', value.span, `'rounding' is 'bf16' (round the f32 accumulator to bf16 on output) or 'f32'`);
      return;
    }
  }
}

/**
 * `sequential`; `blocked(B)`: B-wide partial sums, each accumulated in order, then added in order; or
 * `tensor_core`: Hopper BF16 tensor-core operations of 16 products each, chained over K zero-padded to a multiple
 * of 16 (runtime/fp/mma.ts bf16MmaDotPadded).
 */
function checkOrder(value: A.Expr, checker: SettingsChecker): void {
  const word = modeWord(value);
  if (word === 'sequential' || word === 'tensor_core') return;
  if (value.kind === 'CallExpr' && value.callee.name === 'blocked' && value.args.length === 1) {
    checker.staticCount(value.args[0], 'a block width', 1n);
    return;
  }
  checker.report('ZP2014', value.span, "'order' is 'sequential', 'tensor_core' or 'blocked(B)' with a constant block width B");
}

function modeWord(e: A.Expr): string | undefined {
  return e.kind === 'NameRef' ? e.name.name : undefined;
}

function dimensionlessNumber(t: Type): boolean {
  return t.kind === 'num' && isDimensionless(t.dim);
}

function expect(ok: boolean, checker: SettingsChecker, at: A.Expr, message: string): void {
  if (!ok) checker.report('ZP2003', at.span, message);
}

/** The sample count a check uses when `samples` is absent: ceil(ln(1/tau) / f). */
export function requiredSamples(tau: { num: bigint; den: bigint }, f: { num: bigint; den: bigint }): number {
  // Double precision is ample: k is a count in the thousands, and ceil() can only be moved by a rounding error
  // when ln(1/tau)/f is within an ulp of an integer, which ln of a rational other than 1 never is exactly.
  return Math.ceil(((lnBig(tau.den) - lnBig(tau.num)) * Number(f.den)) / Number(f.num));
}

/** ln(n) for a positive bigint of any size (tau = 1e-400 has a denominator far beyond a double). */
function lnBig(n: bigint): number {
  const s = n.toString();
  return Math.log(Number(`0.${s.slice(0, 17)}`)) + s.length * Math.LN10;
}

/** The security a compute check must reach against a grinding prover unless its policy declares `grinding`. */
export const DEFAULT_GRINDING_BITS = 100;

/** The most proof of work a check's draw can ask for (runtime/run/sampling.ts MAX_POW_BITS: two digest lanes). */
export const MAX_POW_BITS = 60;

export interface GrindingFigures {
  /**
   * Bits of security of one draw: −log2 of the miss probability e^(−k·f) for a deviation touching a fraction f
   * of the output entries, k·f·log2(e), rounded down to a tenth.
   */
  readonly drawBits: number;
  /** Bits of proof of work each draw must cost to reach the target. */
  readonly powBits: number;
  /** drawBits + powBits: the work a prover that redraws until the samples miss must spend, in bits. */
  readonly grindingBits: number;
}

/**
 * The grinding figures of a check of `samples` samples at deviation fraction f, for a `target` in bits. A prover
 * that corrupted entries of the product can commit again (a new root for the price of one Merkle path) until a
 * draw misses them; each draw misses with probability at most e^(−k·f), and costs 2^powBits with the proof of
 * work, so grinding costs 2^(drawBits + powBits).
 */
export function grindingFigures(samples: number, f: { num: bigint; den: bigint }, target: number): GrindingFigures {
  return workToReach(Math.floor(((samples * Number(f.num)) / Number(f.den)) * Math.LOG2E * 10) / 10, target);
}

/** The least proof of work that lifts a draw of `drawBits` bits to `target` (none without a target), and the sum. */
export function workToReach(drawBits: number, target: number | null): GrindingFigures {
  const powBits = target === null ? 0 : Math.max(0, Math.ceil(target - drawBits));
  return { drawBits, powBits, grindingBits: Math.round((drawBits + powBits) * 10) / 10 };
}

/** The operand (a, b or c) of the first compute check that opens step.`field`, with the check; undefined if none. */
export function openingCheck(decls: readonly A.Decl[], field: string): { decl: A.VerifyDecl; operand: 'a' | 'b' | 'c' } | undefined {
  for (const d of decls) {
    if (d.kind !== 'VerifyDecl') continue;
    for (const s of d.settings) {
      const v = s.value;
      if ((s.key.name === 'a' || s.key.name === 'b' || s.key.name === 'c') && v.kind === 'MemberExpr' && v.object.kind === 'NameRef' && v.object.name.name === 'step' && v.member.name === field) {
        return { decl: d, operand: s.key.name };
      }
    }
  }
  return undefined;
}

/** The grinding setting's value, or the check's name: where the warning points. */
function anchor(d: A.VerifyDecl, seen: ReadonlyMap<string, A.VerifySetting>): A.Span {
  return seen.get('grinding')?.value.span ?? d.name.span;
}

/** The sample count rounded up to the column strata (runtime/run/sampling.ts stratifiedSamples: the count the check runs). */
function stratified(k: number, n: number): number {
  const strata = n <= 8 ? n : n % 8 === 0 ? 8 : 1;
  return strata * Math.ceil(k / strata);
}

/**
 * ZP2025 (pow-cost.ts): a compute check whose draw's work is past an hour of one core: warned at its `grinding` (or its name) when its
 * settings are the constants the compiler needs; anything else is the settings' own diagnostics' business.
 */
function checkVerifyWork(d: A.VerifyDecl, seen: ReadonlyMap<string, A.VerifySetting>, checker: SettingsChecker): void {
  const rational = (key: string): { num: bigint; den: bigint } | null => {
    const s = seen.get(key);
    const v = s ? checker.evaluate(s.value) : undefined;
    return v?.kind === 'num' && v.num > 0n ? { num: v.num, den: v.den } : null;
  };
  const tau = rational('tau'), f = rational('f');
  const dims = seen.get('dims') ? checker.evaluate(seen.get('dims')!.value) : undefined;
  const n = dims?.kind === 'array' && dims.elements.length === 3 && dims.elements[2]!.kind === 'num' ? Number(dims.elements[2]!.num) : 0;
  if (!tau || !f || tau.num >= tau.den || f.num > f.den || !(n >= 1)) return;
  const explicit = seen.has('samples') ? rational('samples') : undefined;
  if (explicit === null || (explicit && explicit.den !== 1n)) return;
  const grinding = seen.has('grinding') ? rational('grinding') : undefined;
  if (grinding === null) return;
  const samples = stratified(explicit ? Number(explicit.num) : requiredSamples(tau, f), n);
  const figures = grindingFigures(samples, f, grinding ? Number(grinding.num) / Number(grinding.den) : DEFAULT_GRINDING_BITS);
  if (figures.powBits > MAX_POW_BITS) return; // the compiler refuses it (more than the digest's two lanes)
  const message = powCostWarning(
    `verify '${d.name.name}' (${samples} samples, ${figures.drawBits} bits a draw, ${figures.grindingBits} against a grinding prover)`,
    figures.powBits,
    `sample more (a smaller tau) so that a draw needs less work, or declare a lower 'grinding'`,
  );
  if (message) checker.report('ZP2025', anchor(d, seen), message);
}
