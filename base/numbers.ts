/**
 * Exact numbers, the leaf every layer shares: rationals of bigints in lowest terms (the checker folds constants
 * with them, run records carry them, reports print them) and their text. Binary floating point never touches a
 * value: `1e25` is exactly ten to the twenty-fifth.
 */

export interface ExactNumber {
  num: bigint;
  den: bigint;
}

/** Largest exponent a literal or a run record's decimal may carry; beyond it a number is refused rather than built. */
export const MAX_LITERAL_EXPONENT = 400;

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** `num / den` in lowest terms with a positive denominator. */
export function normalize(num: bigint, den: bigint): ExactNumber {
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

/**
 * Below this magnitude (and from PLAIN_MIN up) a number prints as plain digits: `5568`, `0.25`. Outside, it
 * prints in normalised scientific notation, one digit before the point and every significant digit kept:
 * `1e12`, `1.00224e12`, `8.2770395136e24`, `1e-20`. Counts a person reads at a glance stay as they are; FLOP
 * totals and tolerances show their magnitude in the exponent.
 */
const PLAIN_BELOW = 10n ** 6n;
const PLAIN_MIN_DIGITS = 4; // 0.0001 is plain, 0.00001 is 1e-5

/** The decimal digits and exponent of n/d when it is a terminating decimal: n/d = 0.DIGITS × 10^(exponent + 1). */
function decimalDigits(n: bigint, d: bigint): { negative: boolean; digits: string; exponent: number } | undefined {
  let [rest, twos, fives] = [d, 0, 0];
  for (; rest % 2n === 0n; twos++) rest /= 2n;
  for (; rest % 5n === 0n; fives++) rest /= 5n;
  if (rest !== 1n) return undefined;
  const scale = Math.max(twos, fives);
  const scaled = (n * 10n ** BigInt(scale)) / d;
  const negative = scaled < 0n;
  const all = (negative ? -scaled : scaled).toString();
  const digits = all.replace(/0+$/, '') || '0';
  return { negative, digits, exponent: all.length - 1 - scale };
}

/** A terminating decimal's plain digits: `8277039513600000000000000`, `0.3`, `0.00000000000000000001`. */
function plainDecimal({ negative, digits, exponent }: { negative: boolean; digits: string; exponent: number }): string {
  const sign = negative ? '-' : '';
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.length > exponent + 1 ? digits.slice(0, exponent + 1) : digits.padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * An exact number as reports and messages show it (PLAIN_BELOW says when it is plain): `5568`, `0.3`,
 * `8.2770395136e24`, `1e-20`; a rational with no terminating decimal as a fraction of two such numbers: `1/3`,
 * `1e25/3`. Every digit is kept: the text is exact, only its layout changes.
 */
export function formatNumber(n: bigint, d: bigint): string {
  const dec = decimalDigits(n, d);
  if (!dec) return `${formatNumber(n, 1n)}/${formatNumber(d, 1n)}`;
  const magnitude = dec.negative ? -n : n;
  if (magnitude === 0n || (magnitude < PLAIN_BELOW * d && dec.exponent >= -PLAIN_MIN_DIGITS)) return plainDecimal(dec);
  const { digits } = dec;
  return `${dec.negative ? '-' : ''}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${dec.exponent}`;
}

/** n/d exactly, for JSON: a decimal string when one is exact (`"8277039513600000000000000"`, `"0.3"`), else `"1/3"`. */
export function exactNumber(n: bigint, d: bigint): string {
  const dec = decimalDigits(n, d);
  return dec ? plainDecimal(dec) : `${n}/${d}`;
}

/**
 * A value as JSON reports carry it, for tools rather than people: a number as its exact decimal (or fraction)
 * string with its unit apart (`{ "value": "8277039513600000000000000", "unit": "FLOP" }`, unit "1" for a plain
 * number), a bool as a bool, an enum member or a digest as a string, an array as an array.
 */
export type ReportValue = { readonly value: string; readonly unit: string } | boolean | string | readonly ReportValue[];

/** A number's ReportValue: its exact text and `unit` (dimToString's, "1" for none). */
export const numberReport = (n: bigint, d: bigint, unit: string): ReportValue => ({ value: exactNumber(n, d), unit });
