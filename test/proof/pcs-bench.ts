/**
 * FRI PCS figures: commit + open of 2^logHeight rows × width columns (default 2^16 × 64) at the default
 * parameters, opened at two points (ζ and ωζ, as a STARK opens its trace), with and without zk.
 *
 *   npx tsx test/proof/pcs-bench.ts [logHeight] [width] [repetitions]
 *
 * Times are the minimum over the repetitions (default 3): the machine may be shared.
 */
import * as E from '../../runtime/proof/field/extension.ts';
import * as F from '../../runtime/proof/field/babybear.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof, pcsSecurity } from '../../runtime/proof/pcs/index.ts';

const logHeight = Number(process.argv[2] ?? 16);
const width = Number(process.argv[3] ?? 64);
const reps = Number(process.argv[4] ?? 3);
const rng = Rng.fromSeed('pcs-bench');
const m = new Matrix(rng.fieldVector(2 ** logHeight * width), width);
const zeta: E.Ext = [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()];
const zetaNext = E.mulBase(zeta, F.rootOfUnity(logHeight));

const results: Record<string, unknown>[] = [];
for (const zk of [true, false]) {
  const params = { ...DEFAULT_PCS_PARAMS, zk };
  const pcs = new FriPcs(params);
  const best = { commit: Infinity, open: Infinity, verify: Infinity };
  let proofBytes = 0;
  for (let rep = 0; rep < reps; rep++) {
    const t0 = performance.now();
    const c = pcs.commit([m], rng);
    const t1 = performance.now();
    const { values, proof } = pcs.open([{ commitment: c, points: [[zeta, zetaNext]] }], new Transcript('bench'), rng);
    const t2 = performance.now();
    const bytes = encodeFriPcsProof(proof);
    const t3 = performance.now();
    const dec = decodeFriPcsProof(bytes, params, [c.shape]);
    if (!dec.ok) throw new Error(dec.error);
    const v = pcs.verify([{ commitment: c.shape, points: [[zeta, zetaNext]] }], values, dec.value, new Transcript('bench'));
    const t4 = performance.now();
    if (!v.ok) throw new Error(v.error);
    best.commit = Math.min(best.commit, t1 - t0);
    best.open = Math.min(best.open, t2 - t1);
    best.verify = Math.min(best.verify, t4 - t3);
    proofBytes = bytes.length;
  }
  const sec = pcsSecurity({ params, logMaxHeight: logHeight });
  results.push({
    zk,
    rows: 2 ** logHeight,
    width,
    commitMs: Math.round(best.commit),
    openMs: Math.round(best.open),
    verifyMs: Math.round(best.verify),
    proofBytes,
    conjecturedBits: sec.conjecturedBits,
    provenBits: sec.provenBits,
  });
}
console.table(results);
