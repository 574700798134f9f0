/**
 * Validation of everything a PCS verifier (and the proof decoder) receives: request shapes, points, claimed values.
 * Each check returns a description of the first problem, or null; nothing here throws on hostile input.
 */
import * as F from '../field/babybear.ts';
import * as E from '../field/extension.ts';
import { DIGEST_BYTES } from '../merkle/hasher.ts';
import { MAX_LOG_DOMAIN } from '../fri/schedule.ts';
import type { MerkleLayout } from '../merkle/tree.ts';
import type { MixedLayout } from '../merkle/mixed.ts';
import { isExt } from '../fri/packed.ts';
import type { CommitmentShape, OpenedValues, OpeningRequest, PcsParams } from './types.ts';
import { maskShapeOf, valueCount } from './opening-plan.ts';

/**
 * Which request's commit holds the zk mask (CommitmentShape.mask), null when none does, or what is wrong: at
 * most one may, only with zk, not a commitment the verifier holds, and only with the shape `maskShapeOf` gives
 * (the plan's tallest height, the mask slack that covers every roll-in: the same R a mask tree would hold).
 */
export function maskHolder(params: PcsParams, shapes: readonly CommitmentShape[], held: (r: number) => boolean): number | string | null {
  const holders = shapes.flatMap((s, r) => (s.mask !== undefined ? [r] : []));
  if (holders.length === 0) return null;
  if (!params.zk) return 'a commit holds a mask but the parameters are not zk';
  if (holders.length > 1) return 'more than one commit holds the mask';
  const r = holders[0]!;
  if (held(r)) return `request ${r}: a commitment the verifier holds cannot hold the mask`;
  const want = maskShapeOf(shapes);
  const got = shapes[r]!.mask!;
  if (got.logHeight !== want.logHeight || got.slack !== want.slack) {
    return `request ${r}: the mask is committed at log height ${got.logHeight} with slack ${got.slack}; this opening needs ${want.logHeight} and ${want.slack}`;
  }
  return r;
}

/** The coset shift of every LDE domain. */
export const SHIFT = F.GENERATOR;

/** Caps that bound the verifier's work on hostile requests. */
export const MAX_REQUESTS = 1024;
export const MAX_MATRICES_PER_COMMIT = 256;
export const MAX_POINTS_PER_MATRIX = 16;
export const MAX_WIDTH = 2 ** 20;

/** Whether z lies in the coset g·H_(2^logSize) (then x − z vanishes somewhere on the LDE domain). */
export function inLdeDomain(z: E.Ext, logSize: number): boolean {
  if (!E.isBase(z)) return false;
  return F.pow(F.mul(z[0], F.inv(SHIFT)), 2 ** logSize) === 1;
}

/** What is wrong with verifier-side requests, or null. */
export function requestsProblem(requests: readonly OpeningRequest<CommitmentShape>[], logBlowup: number): string | null {
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_REQUESTS) return `expected 1 to ${MAX_REQUESTS} requests`;
  for (let r = 0; r < requests.length; r++) {
    const req = requests[r];
    if (typeof req !== 'object' || req === null) return `request ${r} is not an object`;
    const sp = shapeProblem(req.commitment, logBlowup);
    if (sp !== null) return `request ${r}: ${sp}`;
    const { widths, logHeights } = req.commitment;
    if (!Array.isArray(req.points) || req.points.length !== widths.length) return `request ${r}: expected ${widths.length} point lists`;
    for (let m = 0; m < widths.length; m++) {
      const pts = req.points[m];
      if (!Array.isArray(pts) || pts.length > MAX_POINTS_PER_MATRIX) return `request ${r} matrix ${m}: bad point list`;
      for (let j = 0; j < pts.length; j++) {
        if (!isExt(pts[j])) return `request ${r} matrix ${m} point ${j} is not a canonical extension element`;
        if (inLdeDomain(pts[j]!, logHeights[m]! + logBlowup)) return `request ${r} matrix ${m} point ${j} lies in the evaluation domain`;
      }
    }
    const pp = packedProblem(req.packed, widths);
    if (pp !== null) return `request ${r}: ${pp}`;
    const cp = columnsProblem(req.columns, openedWidths(widths, req.packed), req.points);
    if (cp !== null) return `request ${r}: ${cp}`;
  }
  return null;
}

/** What is wrong with a request's packed flags (absent: none packed), or null. A packed matrix's width is a multiple of 4. */
export function packedProblem(packed: unknown, widths: readonly number[]): string | null {
  if (packed === undefined) return null;
  if (!Array.isArray(packed) || packed.length !== widths.length) return `expected one packed flag per matrix (${widths.length})`;
  for (let m = 0; m < widths.length; m++) {
    if (typeof packed[m] !== 'boolean') return `matrix ${m}: the packed flag is not a boolean`;
    if (packed[m] && widths[m]! % 4 !== 0) return `matrix ${m}: a packed matrix's width must be a multiple of 4, got ${widths[m]}`;
  }
  return null;
}

/** Per matrix, the columns a point may list: extension columns of a packed matrix, base columns otherwise. */
export function openedWidths(widths: readonly number[], packed: readonly boolean[] | undefined): number[] {
  return widths.map((w, m) => (packed?.[m] === true ? w / 4 : w));
}

/** What is wrong with a request's column lists (absent: every column at every point), or null. */
export function columnsProblem(columns: unknown, widths: readonly number[], points: readonly (readonly unknown[])[]): string | null {
  if (columns === undefined) return null;
  if (!Array.isArray(columns) || columns.length !== widths.length) return `expected one column list per matrix (${widths.length})`;
  for (let m = 0; m < widths.length; m++) {
    const cm = columns[m];
    if (!Array.isArray(cm) || cm.length !== points[m]!.length) return `matrix ${m}: expected one column list per point`;
    for (let j = 0; j < cm.length; j++) {
      const list = cm[j];
      if (list === null) continue;
      if (!Array.isArray(list) || list.length === 0) return `matrix ${m} point ${j}: a column list opens at least one column`;
      for (let k = 0; k < list.length; k++) {
        const c = list[k];
        if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= widths[m]! || (k > 0 && c <= list[k - 1]!)) {
          return `matrix ${m} point ${j}: columns must be strictly ascending in [0, ${widths[m]})`;
        }
      }
    }
  }
  return null;
}

/** How many values matrix m of a request opens at its point j (extension columns of a packed matrix). */
export function openedCount(req: { readonly columns?: readonly (readonly (readonly number[] | null)[])[]; readonly packed?: readonly boolean[] }, widths: readonly number[], m: number, j: number): number {
  return valueCount(req.columns?.[m]?.[j] ?? null, widths[m]!, req.packed?.[m] === true);
}

/** What is wrong with a commitment shape, or null. */
export function shapeProblem(shape: CommitmentShape, logBlowup: number): string | null {
  if (typeof shape !== 'object' || shape === null) return 'commitment is not an object';
  if (!(shape.root instanceof Uint8Array) || shape.root.length !== DIGEST_BYTES) return 'root must be 32 bytes';
  if (!Array.isArray(shape.widths) || shape.widths.length === 0 || shape.widths.length > MAX_MATRICES_PER_COMMIT) return 'bad matrix count';
  if (!Array.isArray(shape.logHeights) || shape.logHeights.length !== shape.widths.length) return 'expected one log height per matrix';
  for (const h of shape.logHeights) {
    if (typeof h !== 'number' || !Number.isInteger(h) || h < 0 || h + logBlowup > MAX_LOG_DOMAIN) return `log height ${String(h)} is out of range`;
  }
  for (const w of shape.widths) if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > MAX_WIDTH) return `bad width ${String(w)}`;
  const s = shape.saltLength;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 64) return `salt length ${String(s)} is out of range [0, 64]`;
  if (shape.slacks !== undefined) {
    if (!Array.isArray(shape.slacks) || shape.slacks.length !== shape.widths.length) return 'expected one degree slack per matrix';
    for (let m = 0; m < shape.slacks.length; m++) {
      const max = maxSlack(shape.logHeights[m]!, logBlowup);
      const v = shape.slacks[m];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) return `matrix ${m}: degree slack ${String(v)} is out of range [0, ${max}]`;
    }
  }
  if (shape.mask !== undefined) {
    const mk = shape.mask;
    if (typeof mk !== 'object' || mk === null) return 'bad mask shape';
    const h = mk.logHeight;
    if (typeof h !== 'number' || !Number.isInteger(h) || h < 0 || h + logBlowup > MAX_LOG_DOMAIN) return `mask log height ${String(h)} is out of range`;
    if (shape.widths.length + 1 > MAX_MATRICES_PER_COMMIT) return 'bad matrix count';
    const max = maxSlack(h, logBlowup);
    if (typeof mk.slack !== 'number' || !Number.isInteger(mk.slack) || mk.slack < 0 || mk.slack > max) return `mask degree slack ${String(mk.slack)} is out of range [0, ${max}]`;
    if (s === 0) return 'a commit holding the mask must be salted';
  }
  return null;
}

/**
 * The largest degree slack a matrix of height 2^logHeight may have: its polynomials' degree bound n + S stays at
 * most half the LDE domain (fri/schedule.ts), and the randomiser's coefficients fit beside t's in the LDE.
 */
export function maxSlack(logHeight: number, logBlowup: number): number {
  return 2 ** logHeight * (2 ** (logBlowup - 1) - 1);
}

/** What is wrong with claimed values for (valid) requests, or null. */
export function valuesProblem(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues): string | null {
  if (!Array.isArray(values) || values.length !== requests.length) return `expected values for ${requests.length} requests`;
  for (let r = 0; r < requests.length; r++) {
    const { widths } = requests[r]!.commitment;
    const vr = values[r];
    if (!Array.isArray(vr) || vr.length !== widths.length) return `request ${r}: expected values for ${widths.length} matrices`;
    for (let m = 0; m < widths.length; m++) {
      const vm = vr[m];
      const npts = requests[r]!.points[m]!.length;
      if (!Array.isArray(vm) || vm.length !== npts) return `request ${r} matrix ${m}: expected values at ${npts} points`;
      for (let j = 0; j < npts; j++) {
        const vj = vm[j];
        const count = openedCount(requests[r]!, widths, m, j);
        if (!Array.isArray(vj) || vj.length !== count) return `request ${r} matrix ${m} point ${j}: expected ${count} values`;
        for (let k = 0; k < vj.length; k++) if (!isExt(vj[k])) return `request ${r} matrix ${m} point ${j} column ${k}: not a canonical extension element`;
      }
    }
  }
  return null;
}

/**
 * The mixed-tree layout of a commit (merkle/mixed.ts): its matrices' LDE heights, widths and salt; the zk mask,
 * when the commit holds it (CommitmentShape.mask), is the last matrix, 4 columns wide.
 */
export function mixedLayout(shape: Pick<CommitmentShape, 'logHeights' | 'widths' | 'saltLength' | 'mask'>, logBlowup: number): MixedLayout {
  const heights = shape.logHeights.map((h) => 2 ** (h + logBlowup));
  if (shape.mask === undefined) return { heights, widths: shape.widths, saltLength: shape.saltLength };
  return { heights: [...heights, 2 ** (shape.mask.logHeight + logBlowup)], widths: [...shape.widths, MASK_WIDTH], saltLength: shape.saltLength };
}

/** Base columns of the zk mask R (one extension element a row). */
export const MASK_WIDTH = 4;

/**
 * The Merkle layout of the zk mask's tree: the bit-reversed mask codeword, one extension value (4 words) per
 * leaf, so leaf q is R at FRI position q and an opening reveals R only where the verifier queries. No salt: R is
 * uniformly random of degree < 2^hMax, so R at an unopened position keeps a full extension element (≈124 bits)
 * of entropy given everything the proof reveals (fewer values than the degree bound), and the leaf hash hides it
 * as a salt would (the argument of fri/prover.ts for FRI's layer trees).
 */
export function maskLayout(params: PcsParams, logDegrees: readonly number[]): MerkleLayout {
  return { height: 2 ** (logDegrees[0]! + params.logBlowup), widths: [4], saltLength: 0 };
}
