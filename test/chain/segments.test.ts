// A step proven in segments (runtime/vm/segments.ts) verifies as one step of the chain; every way of tampering
// with its segments is rejected with its code (docs/verification-codes.md).
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { verifyChain, verifyProofFile } from '../../runtime/chain/verifier.ts';
import { decodeProofFile, encodeProofFile, type ProofFile, type SegmentEntry } from '../../runtime/chain/proof-file.ts';
import { Trainer } from '../../demo/trainer.ts';
import { demoSpec, demoStep, demoWeightsConfig } from '../fixtures/demo-step.ts';
import { FriPcs } from '../../runtime/proof/pcs/fri-pcs.ts';
import { encodeFriPcsProof } from '../../runtime/proof/pcs/codec.ts';
import { DEFAULT_PCS_PARAMS, proofPcsParams, SEGMENT_PCS_PARAMS } from '../../runtime/proof/pcs/security.ts';
import type { PcsParams } from '../../runtime/proof/pcs/types.ts';
import { encodeStarkProof, peekStarkHeights } from '../../runtime/proof/stark/codec.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import { isSegmented, proveSegment, segmentMachine } from '../../runtime/vm/segments.ts';

const compiled = compileFile('policies/demo.zpol');
if (!compiled.ok) throw new Error('the demo does not compile');
const demo = compiled;
const trainer = new Trainer();
const t1 = trainer.step();
// The demo's step program runs ~3,800 cycles: four segments of 2^10 (genesis fits one). A chain's prefix verifies.
const prover = new ChainProver(demo, new Uint8Array(32).fill(3), demoSpec(demo), { segmentCycles: 1024, ...demoWeightsConfig() });
const g = prover.genesis();
const s1 = prover.step(1, g.state, demoStep(t1).record, demoStep(t1).tensors);
const segs = s1.proof.segments!;
const withSegments = (segments: readonly SegmentEntry[]): ProofFile => ({ ...s1.proof, segments });
const codeOf = (p: ProofFile) => {
  const r = verifyProofFile(demo, p);
  return r.ok ? 'ok' : `${r.code}: ${r.error}`;
};

describe('a step proven in segments', () => {
  it('verifies as one step: the chain and its report are those of a step proven whole', () => {
    expect(g.proof.segments).toBeUndefined();
    expect(s1.proof.stark).toBe('');
    expect(segs.length).toBe(4);
    const report = verifyChain(demo, [g.proof, s1.proof].map((proof) => ({ name: `${proof.kind}-${proof.step}`, proof })));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps).toBe(1);
    expect(report.claims.some((c) => c.startsWith('verify fc1'))).toBe(true);
    expect(report.security.stark!.conjecturedBits).toBeGreaterThanOrEqual(98);
    // The file round-trips canonically.
    expect(encodeProofFile(decodeProofFile(encodeProofFile(s1.proof)))).toEqual(encodeProofFile(s1.proof));
  });

  it('rejects segments swapped, dropped, reordered, duplicated or cut short', () => {
    const [a, b, c, ...rest] = segs as [SegmentEntry, SegmentEntry, SegmentEntry, ...SegmentEntry[]];
    expect(codeOf(withSegments([a, c, b, ...rest]))).toMatch(/^ZV212: segments\[1\]: segment 1 starts at pc/);
    expect(codeOf(withSegments([a, c, ...rest]))).toMatch(/^ZV212/);
    expect(codeOf(withSegments([b, c, ...rest, a]))).toMatch(/^ZV211/);
    expect(codeOf(withSegments([a, b, b, c, ...rest]))).toMatch(/^ZV212: segments\[2\]/);
    expect(codeOf(withSegments(segs.slice(0, -1)))).toMatch(/^ZV213/);
    expect(codeOf(withSegments([a]))).toMatch(/^ZV101: segments: 1 segments/);
    expect(codeOf({ ...withSegments(segs), stark: g.proof.stark })).toMatch(/^ZV101: stark must be empty/);
  });

  it('checks how the segments link before it decodes any segment proof', () => {
    const [a, b, c, ...rest] = segs as [SegmentEntry, SegmentEntry, SegmentEntry, ...SegmentEntry[]];
    const garbage = { ...a, stark: 'AAAA' };
    // Reordered, and the first proof is not a proof at all: the link failure is what the verifier reports.
    expect(codeOf(withSegments([garbage, c, b, ...rest]))).toMatch(/^ZV212: segments\[1\]: segment 1 starts at pc/);
    expect(codeOf(withSegments([garbage, b, c, ...rest]))).toMatch(/^ZV108: segments\[0\]\.stark/);
  });

  it('rejects a changed state commitment, changed I/O claims and a tampered segment proof', () => {
    const other = '00000001'.repeat(8);
    // Changed on both sides of a boundary, so that the link holds: segment 1's STARK proof does not.
    expect(codeOf(withSegments(segs.map((e, k) => (k === 1 ? { ...e, memEnd: other } : k === 2 ? { ...e, memStart: other } : e))))).toMatch(/^ZV109: segments\[1\]: stark: does not verify/);
    expect(codeOf(withSegments(segs.map((e, k) => (k === 2 ? { ...e, memStart: other } : e))))).toMatch(/^ZV212: segments\[2\]: .*memory commitment/);
    expect(codeOf(withSegments(segs.map((e, k) => (k === 2 ? { ...e, memStart: other.toUpperCase().replace(/1/g, 'A') } : e))))).toMatch(/^ZV106/);
    expect(codeOf(withSegments(segs.map((e, k) => (k === 0 ? { ...e, io: [] } : e))))).toMatch(/^ZV214: segments: public input 0 is not read/);
    expect(codeOf(withSegments(segs.map((e, k) => (k === segs.length - 1 ? { ...e, io: [...e.io, 0] } : e))))).toMatch(/^ZV214/);
    const bytes = Buffer.from(segs[2]!.stark, 'base64');
    bytes[bytes.length - 100] ^= 1;
    expect(codeOf(withSegments(segs.map((e, k) => (k === 2 ? { ...e, stark: bytes.toString('base64') } : e))))).toMatch(/^ZV10[89]: segments\[2\]/);
  });

  it('a file whose header splits the same bytes otherwise between two segments parses, and does not verify', () => {
    const file = Buffer.from(encodeProofFile(s1.proof));
    const end = 16 + file.readUInt32LE(12);
    const [a, b] = [0, 1].map((k) => Buffer.from(segs[k]!.stark, 'base64').length) as [number, number];
    // Segment 0 takes 100 of segment 1's bytes: the header stays canonical and the lengths still sum to the file.
    const header = file.toString('utf8', 16, end).replace(`"stark":${a}}`, `"stark":${a + 100}}`).replace(`"stark":${b}}`, `"stark":${b - 100}}`);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(Buffer.byteLength(header));
    const forged = decodeProofFile(Buffer.concat([file.subarray(0, 12), length, Buffer.from(header), file.subarray(end)]));
    expect(forged.segments![0]!.stark).not.toBe(segs[0]!.stark);
    expect(codeOf(forged)).toMatch(/^ZV10[89]: segments\[0\]\.stark/);
  });

  it('rejects a first segment from other memory, I/O out of range, bad encodings and pcs beyond the field, without throwing', () => {
    const other = '00000001'.repeat(8);
    const at = (k: number, change: Partial<SegmentEntry>) => withSegments(segs.map((e, j) => (j === k ? { ...e, ...change } : e)));
    expect(codeOf(at(0, { memStart: other }))).toMatch(/^ZV211: segments\[0\]: .*initial memory/);
    expect(codeOf(at(1, { io: [...segs[1]!.io, 10_000] }))).toMatch(/^ZV214: segments\[1\]: segment 1 names public word 10000/);
    expect(codeOf(at(1, { stark: `${segs[1]!.stark}=` }))).toMatch(/^ZV107: segments\[1\]\.stark/);
    expect(codeOf(at(1, { stark: Buffer.from(segs[1]!.stark, 'base64').subarray(0, 64).toString('base64') }))).toMatch(/^ZV108: segments\[1\]\.stark/);
    // A boundary moved beyond the field on both sides (the link holds): no segment proof is for such a pc.
    const far = 0x78000001 + segs[1]!.pcEnd;
    expect(codeOf(withSegments(segs.map((e, k) => (k === 1 ? { ...e, pcEnd: far } : k === 2 ? { ...e, pcStart: far } : e))))).toMatch(/^ZV109: segments\[1\]: stark: does not verify/);
    // The segments checked in the hash configuration they were not made in.
    expect(codeOf({ ...s1.proof, hash: 'poseidon2' })).toMatch(/^ZV10[89]: segments\[0\]\.?/);
  });

  // A segment of another step's run is rejected in test/vm/segments.test.ts (its memory commitment does not link):
  // proving a second demo step in segments here would double this file's time.
});

// Segments are proven at SEGMENT_PCS_PARAMS (issue #19): a step of S segments is reported as its weakest segment less
// log2 S bits, so a segment carries more queries and challenge grinding than a whole-run proof.
describe('the parameters of a segment proof', () => {
  it('are SEGMENT_PCS_PARAMS, and the 70B step machine keeps ≥ 100 bits over its 601 segments with them (not at the defaults)', () => {
    expect(proofPcsParams('blake3', false, null)).toBe(SEGMENT_PCS_PARAMS);
    const ffn = compileFile('test/fixtures/policies/ffn-70b.zpol');
    if (!ffn.ok) throw new Error(ffn.error);
    const bitsAt = (params: PcsParams) => {
      const m = segmentMachine(ffn.programs.step, new FriPcs(params));
      // Every table at the segment's 2^16 rows: the weakest a segment of 2^16 cycles can be.
      return starkSecurity(m.system, m.system.tables.map(() => 16)).conjecturedBits - Math.log2(601);
    };
    expect(bitsAt(SEGMENT_PCS_PARAMS)).toBeGreaterThanOrEqual(100);
    expect(bitsAt(DEFAULT_PCS_PARAMS)).toBeLessThan(100);
  });

  it('reports the weakest segment less log2 of the count, and refuses a segment proven at the whole-run defaults', () => {
    const m = prover.segmentMachine('step');
    expect(m.system.pcs.params).toEqual(SEGMENT_PCS_PARAMS);
    const heightsOf = (e: SegmentEntry) => {
      const h = peekStarkHeights(Buffer.from(e.stark, 'base64'));
      if (!h.ok) throw new Error(h.error);
      return h.logHeights;
    };
    const weakest = Math.min(...segs.map((e) => starkSecurity(m.system, heightsOf(e)).conjecturedBits));
    const r = verifyProofFile(demo, s1.proof);
    expect(r.ok && r.security.conjecturedBits).toBe(weakest - Math.log2(segs.length));
    // The same segment proven by a machine at DEFAULT_PCS_PARAMS: its statement holds, its parameters are not the verifier's.
    const inputs = prover.stepInputs(1, g.state, demoStep(t1).record, demoStep(t1).tensors);
    const exec = prover.run('step', 1, inputs.publicInputs, inputs.tape());
    if (!isSegmented(exec)) throw new Error('the step should run in segments');
    const other = proveSegment(segmentMachine(exec.program, new FriPcs(DEFAULT_PCS_PARAMS)), exec, 1, new Uint8Array(32).fill(9));
    const forged = segs.map((e, k) => (k === 1 ? { ...e, stark: Buffer.from(encodeStarkProof(other.stark, encodeFriPcsProof)).toString('base64') } : e));
    expect(codeOf(withSegments(forged))).toMatch(/^ZV10[89]: segments\[1\]\.stark/);
  });
});
