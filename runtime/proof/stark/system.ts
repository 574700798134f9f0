/**
 * A constraint system: the tables of a multi-table STARK after analysis, with what the prover and the verifier
 * both derive from them before any proof exists (degrees, LogUp layouts, quotient shapes, preprocessed
 * commitments).
 *
 * Degree bookkeeping. Let n be a table's height and n_c the height of its committed polynomials: n without zero
 * knowledge, 2n with it (each committed column interleaves its n trace rows with n random rows, so it agrees with
 * the trace on H_n and is uniformly random elsewhere). A constraint of degree d (in columns) has degree at most
 * d·n_c as a polynomial, its quotient by Z_H = Xⁿ − 1 at most d·n_c − n. The quotient is cut into chunks of n
 * coefficients, so there are d·n_c/n − 1 of them: d − 1 without zero knowledge, 2d − 1 with it.
 */
import * as E from '../field/extension.ts';
import { Matrix } from '../matrix.ts';
import { Transcript } from '../transcript.ts';
import { Rng } from '../rng.ts';
import { analyze, type Air, type AnalyzedAir } from '../air/air.ts';
import type { Expr } from '../air/expr.ts';
import { layoutLogUp, type LogUpLayout } from '../air/logup.ts';
import type { CommitmentShape, Pcs, ProverCommitment } from '../pcs/types.ts';

/** The degree budget of a constraint; LogUp groups are packed to fit it. */
export const DEFAULT_MAX_DEGREE = 3;

export interface TableDefinition {
  readonly air: Air;
  /** Fixed columns, as evaluations on H_n; they fix the table's height. */
  readonly preprocessed?: Matrix;
}

export interface TableInfo {
  readonly analyzed: AnalyzedAir;
  readonly logup: LogUpLayout;
  /** Every constraint of the table (AIR then LogUp), in the order of the random linear combination. */
  readonly constraints: readonly { expr: Expr; name: string }[];
  /** Max constraint degree, at least 2 (a quotient has at least one chunk). */
  readonly degree: number;
  /** log2 of the fixed height when the table has preprocessed columns. */
  readonly fixedLogHeight: number | null;
  readonly preprocessed: Matrix | null;
}

export interface StarkSystem<Proof> {
  readonly name: string;
  readonly tables: readonly TableInfo[];
  readonly pcs: Pcs<Proof>;
  readonly zk: boolean;
  /** The preprocessed commitment of each table (null without preprocessed columns). */
  readonly preprocessedCommitments: readonly (ProverCommitment | null)[];
  /** A digest of everything above that the verifier depends on; the transcript starts from it. */
  readonly digest: Uint8Array;
}

export function quotientChunks(degree: number, zk: boolean): number {
  return zk ? 2 * degree - 1 : degree - 1;
}

export function buildSystem<Proof>(name: string, tables: readonly TableDefinition[], pcs: Pcs<Proof>, zk: boolean, maxDegree = DEFAULT_MAX_DEGREE): StarkSystem<Proof> {
  if (tables.length === 0) throw new Error('a STARK needs at least one table');
  const infos: TableInfo[] = tables.map((t) => {
    const analyzed = analyze(t.air);
    if (analyzed.degree > maxDegree) {
      const worst = analyzed.constraints.find((c) => c.expr.degree === analyzed.degree)!;
      throw new Error(`${t.air.name}: ${worst.name} has degree ${analyzed.degree}, above the budget ${maxDegree}`);
    }
    const logup = layoutLogUp(analyzed, maxDegree);
    const constraints = [...analyzed.constraints, ...logup.constraints];
    const degree = Math.max(2, ...constraints.map((c) => c.expr.degree));
    const pre = t.preprocessed ?? null;
    if (t.air.preprocessedWidth > 0 && (!pre || pre.width !== t.air.preprocessedWidth)) {
      throw new Error(`${t.air.name}: expected ${t.air.preprocessedWidth} preprocessed columns`);
    }
    return {
      analyzed,
      logup,
      constraints,
      degree,
      fixedLogHeight: pre ? Math.log2(pre.height) : null,
      preprocessed: pre,
    };
  });
  // Preprocessed columns are public: committed without salt, so anyone recomputes the same root.
  const setupRng = Rng.fromSeed('zpol-stark-setup');
  const preprocessedCommitments = infos.map((t) => (t.preprocessed ? pcs.commit([t.preprocessed], setupRng, { hiding: false }) : null));
  const digest = systemDigest(name, infos, preprocessedCommitments.map((c) => c?.shape ?? null), pcs, zk);
  return { name, tables: infos, pcs, zk, preprocessedCommitments, digest };
}

function systemDigest(name: string, tables: readonly TableInfo[], pre: readonly (CommitmentShape | null)[], pcs: Pcs<unknown>, zk: boolean): Uint8Array {
  const t = new Transcript('zpol-stark-system');
  t.absorbBytes('name', new TextEncoder().encode(name));
  const p = pcs.params;
  t.absorbFields('pcs-params', [p.logBlowup, p.numQueries, p.powBits, p.logFoldingArity, p.logFinalPolyLen, p.saltLength, p.zk ? 1 : 0, zk ? 1 : 0]);
  tables.forEach((info, i) => {
    const a = info.analyzed.air;
    t.absorbBytes('table', new TextEncoder().encode(a.name));
    t.absorbFields('shape', [a.width, a.preprocessedWidth, a.publicInputs, info.logup.auxWidth, info.degree, info.constraints.length]);
    const shape = pre[i];
    if (shape) {
      t.absorbDigest('preprocessed', shape.root);
      t.absorbFields('preprocessed-height', [shape.logHeight]);
    }
  });
  return t.digest();
}

/** The basis X^c of the extension as an element, to recombine four committed base columns into one value. */
export const EXT_BASIS: readonly E.Ext[] = [E.ONE, E.X, E.mul(E.X, E.X), E.mul(E.mul(E.X, E.X), E.X)];

/** Σ_c X^c · parts[c]. */
export function recombine(parts: readonly E.Ext[], offset = 0): E.Ext {
  let acc: E.Ext = E.ZERO;
  for (let c = 0; c < 4; c++) acc = E.add(acc, E.mul(EXT_BASIS[c]!, parts[offset + c]!));
  return acc;
}
