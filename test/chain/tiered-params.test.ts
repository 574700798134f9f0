// The BLAKE3 defaults depend on the tables' heights (issue #18): a whole-run proof whose tallest table has at most
// 2^SMALL_TRACE_MAX_LOG_HEIGHT rows is made at SMALL_TRACE_PCS_PARAMS (rate 1/32, 17 queries: a demo step proof of
// about 140 KB), a taller one at TALL_TRACE_PCS_PARAMS (rate 1/4, 43 queries: the LDE of a long run's traces, where
// the prover's time goes, stays small; DEFAULT_PCS_PARAMS before proof file version 10). The verifier selects the set from the heights in the proof's header; the set is in the system digest the
// transcript starts from. A proof made with the other set, or a header that claims heights of the other set, is
// refused, never with an internal error; the aggregation configuration keeps its values.
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../gpu/index.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { PROOF_VERSION, proofFileProblem, type ProofFile } from '../../runtime/chain/proof-file.ts';
import { verifyProofFile } from '../../runtime/chain/verifier.ts';
import { FriPcs } from '../../runtime/proof/pcs/fri-pcs.ts';
import { decodeFriPcsProof, encodeFriPcsProof } from '../../runtime/proof/pcs/codec.ts';
import {
  DEFAULT_PCS_PARAMS,
  pcsParamsForHeight,
  pcsSecurity,
  POSEIDON2_AGGREGATION_PCS_PARAMS,
  POSEIDON2_PCS_PARAMS,
  proofPcsParams,
  SMALL_TRACE_MAX_LOG_HEIGHT,
  SEGMENT_PCS_PARAMS,
  SMALL_TRACE_PCS_PARAMS,
  TALL_TRACE_PCS_PARAMS,
} from '../../runtime/proof/pcs/security.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { tableNames, vmTraces } from '../../runtime/vm/machine.ts';
import { countingLoop, dotProduct } from '../fixtures/sample-programs.ts';
import { tallQuotientsOnLde } from '../../runtime/proof/stark/system.ts';
import { wholeRunPcsParams } from '../../runtime/chain/proof-params.ts';
import { decodeStarkProof, encodeStarkProof, peekStarkHeights } from '../../runtime/proof/stark/codec.ts';
import { machine, proveExecution, verifyExecution } from '../../runtime/vm/machine.ts';
import type { Execution } from '../../runtime/vm/executor.ts';
import { num } from '../../language/checker/values.ts';
import type { RecordValues, RunValue } from '../../compiler/witness.ts';
import { tinyPolicy } from '../queue/tiny-run.ts';

const backend = selectBackend('auto');
const archType = (() => {
  const f = tinyPolicy.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : [])).find((x) => x.name.name === 'arch')!;
  const t = tinyPolicy.root.checker.resolveType(f.type);
  if (t.kind !== 'enum') throw new Error('arch is not an enum');
  return t;
})();
const spec: RecordValues = new Map<string, RunValue>([
  ['budget', num(1000n)],
  ['arch', { kind: 'enum', decl: archType.decl, member: 'mlp' }],
  ['note', num(5n)],
]);
const prover = new ChainProver(tinyPolicy, new Uint8Array(32).fill(7), spec, { backend });
const { exec } = prover.genesisExecution();
const file = prover.prove('genesis', 0, exec as Execution);
const bytes = Buffer.from(file.stark, 'base64');
const withStark = (b: Uint8Array): ProofFile => ({ ...file, stark: Buffer.from(b).toString('base64') });

describe('the BLAKE3 defaults by height', () => {
  it('selects the small-trace set up to 2^SMALL_TRACE_MAX_LOG_HEIGHT rows, the default set above; segments and Poseidon2 keep theirs', () => {
    expect(pcsParamsForHeight([5, SMALL_TRACE_MAX_LOG_HEIGHT, 11])).toBe(SMALL_TRACE_PCS_PARAMS);
    expect(pcsParamsForHeight([5, SMALL_TRACE_MAX_LOG_HEIGHT + 1, 11])).toBe(TALL_TRACE_PCS_PARAMS);
    expect(proofPcsParams('blake3', false, [12])).toBe(SMALL_TRACE_PCS_PARAMS);
    expect(proofPcsParams('blake3', false, [19])).toBe(TALL_TRACE_PCS_PARAMS);
    expect(proofPcsParams('blake3', false, null)).toBe(SEGMENT_PCS_PARAMS);
    expect(proofPcsParams('poseidon2', false, [12])).toBe(POSEIDON2_PCS_PARAMS);
    expect(proofPcsParams('poseidon2', true, [12])).toBe(POSEIDON2_AGGREGATION_PCS_PARAMS);
    expect(SMALL_TRACE_PCS_PARAMS).toMatchObject({ logBlowup: 5, numQueries: 17, powBits: 20 });
    // ≥ 100 conjectured bits for the PCS at every height the set is used at, at the worst rate FRI proves with zero
    // knowledge's slack ((1 + 1/ZK_SLACK_RATIO)·2^-logBlowup: a table takes the small randomiser only when its slack is
    // ≤ n/16) and the committed heights one above (doubled short tables, the mask).
    const rateBits = 5 - Math.log2(1 + 1 / 16);
    for (let h = 1; h <= SMALL_TRACE_MAX_LOG_HEIGHT + 1; h++) {
      expect(pcsSecurity({ params: SMALL_TRACE_PCS_PARAMS, logMaxHeight: h, rateBits }).conjecturedBits, `2^${h}`).toBeGreaterThanOrEqual(103);
    }
    // The tall set likewise from 2^14 rows to the field's limit: ≥ 102 bits (DEFAULT_PCS_PARAMS has 101 there).
    expect(TALL_TRACE_PCS_PARAMS).toMatchObject({ logBlowup: 2, numQueries: 43, powBits: 20, challengePowBits: 12 });
    const tallRateBits = 2 - Math.log2(1 + 1 / 16);
    for (let h = SMALL_TRACE_MAX_LOG_HEIGHT + 1; h <= 25; h++) {
      expect(pcsSecurity({ params: TALL_TRACE_PCS_PARAMS, logMaxHeight: h, rateBits: tallRateBits }).conjecturedBits, `2^${h}`).toBeGreaterThanOrEqual(102);
    }
  });

  it('keeps the default set where a tall table of degree 5-8 would be extended twice at rate 1/4 (its quotient needs 8n)', () => {
    const program = dotProduct([1, 2, 3], [4, 5, 6]).program;
    const names = tableNames(program);
    expect(names).toContain('bf16-mac');
    const tall = machine(program, new FriPcs(TALL_TRACE_PCS_PARAMS, { backend }));
    expect(tall.system.tables.length).toBe(names.length + 1);  // the blinding collector last
    const heights = (tallOnes: readonly string[]) => [...names.map((t) => (tallOnes.includes(t) ? SMALL_TRACE_MAX_LOG_HEIGHT + 3 : 4)), 2];
    const systemAt = (p: typeof TALL_TRACE_PCS_PARAMS) => machine(program, new FriPcs(p, { backend })).system;
    // The CPU (degree 4) alone tall: its quotient's 4n coset is the committed LDE at rate 1/4.
    expect(tallQuotientsOnLde(tall.system, heights(['cpu']), SMALL_TRACE_MAX_LOG_HEIGHT)).toBe(true);
    expect(wholeRunPcsParams('blake3', false, heights(['cpu']), systemAt)).toBe(TALL_TRACE_PCS_PARAMS);
    // The MAC chip (degree 8) tall: 8n, so the default set (rate 1/8), whose LDE holds it.
    expect(tallQuotientsOnLde(tall.system, heights(['cpu', 'bf16-mac']), SMALL_TRACE_MAX_LOG_HEIGHT)).toBe(false);
    expect(wholeRunPcsParams('blake3', false, heights(['cpu', 'bf16-mac']), systemAt)).toBe(DEFAULT_PCS_PARAMS);
    expect(tallQuotientsOnLde(machine(program, new FriPcs(DEFAULT_PCS_PARAMS, { backend })).system, heights(['cpu', 'bf16-mac']), SMALL_TRACE_MAX_LOG_HEIGHT)).toBe(true);
    expect(wholeRunPcsParams('blake3', false, heights(['bf16-mac']), systemAt)).toBe(DEFAULT_PCS_PARAMS);
    // The PCS-level rule alone, with the machine's answer given.
    expect(pcsParamsForHeight(heights(['cpu']), () => true)).toBe(TALL_TRACE_PCS_PARAMS);
    expect(pcsParamsForHeight(heights(['cpu']), () => false)).toBe(DEFAULT_PCS_PARAMS);
    // A header's heights that are not the machine's (too few, out of range) count as fitting, never throw.
    expect(tallQuotientsOnLde(tall.system, [99, -1, 0.5], SMALL_TRACE_MAX_LOG_HEIGHT)).toBe(true);
  });

  it('proves a zkVM trace of 2^14 rows at the tall set, verifies it with ≥ 100 bits, and refuses a changed opening', () => {
    const c = countingLoop(Math.floor((2 ** 14 - 3) / 3));
    const exec = execute(c.program, c.inputs);
    const logHeights = vmTraces(exec).map((t) => Math.log2(t.height));
    expect(Math.max(...logHeights)).toBe(SMALL_TRACE_MAX_LOG_HEIGHT + 1);
    const params = pcsParamsForHeight(logHeights);
    expect(params).toBe(TALL_TRACE_PCS_PARAMS);
    const m = machine(c.program, new FriPcs(params, { backend }));
    const proof = proveExecution(m, exec, { seed: 'tall' });
    expect(pcsParamsForHeight(proof.stark.logHeights)).toBe(TALL_TRACE_PCS_PARAMS);  // the verifier's rule, on the header's heights
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    expect(starkSecurity(m.system, proof.stark.logHeights).conjecturedBits).toBeGreaterThanOrEqual(100);
    // The same bytes decode in the tall system only, and a flipped byte is refused.
    const encoded = encodeStarkProof(proof.stark, encodeFriPcsProof);
    const decoded = decodeStarkProof(encoded, m.system, (b, layouts) => decodeFriPcsProof(b, params, layouts));
    expect(decoded.ok && verifyExecution(m, exec.publicInputs, exec.publicOutputs, decoded.value).ok).toBe(true);
    const atDefault = machine(c.program, new FriPcs(DEFAULT_PCS_PARAMS, { backend }));
    const misread = decodeStarkProof(encoded, atDefault.system, (b, layouts) => decodeFriPcsProof(b, DEFAULT_PCS_PARAMS, layouts));
    expect(misread.ok && verifyExecution(atDefault, exec.publicInputs, exec.publicOutputs, misread.value).ok).toBe(false);
    const flipped = Uint8Array.from(encoded);
    flipped[encoded.length - 200] ^= 4;
    const again = decodeStarkProof(flipped, m.system, (b, layouts) => decodeFriPcsProof(b, params, layouts));
    expect(again.ok && verifyExecution(m, exec.publicInputs, exec.publicOutputs, again.value).ok).toBe(false);
  });

  it('keeps the aggregation configuration\'s values (the node programs and run keys depend on them)', () => {
    const rest = { logFoldingArity: 3, logFinalPolyLen: 3, saltLength: 4, zk: true, verifierHoldsPublic: false };
    expect(POSEIDON2_PCS_PARAMS).toEqual({ logBlowup: 3, numQueries: 30, powBits: 16, challengePowBits: 8, ...rest });
    expect(POSEIDON2_AGGREGATION_PCS_PARAMS).toEqual({ logBlowup: 4, numQueries: 22, powBits: 16, challengePowBits: 8, ...rest });
    // run-key.ts hashes this JSON (its PARAMS_TAG): the key order is part of the value.
    expect(JSON.stringify(POSEIDON2_AGGREGATION_PCS_PARAMS)).toBe(
      '{"logBlowup":4,"numQueries":22,"powBits":16,"challengePowBits":8,"logFoldingArity":3,"logFinalPolyLen":3,"saltLength":4,"zk":true,"verifierHoldsPublic":false}',
    );
  });

  it('a small run is proved at the small-trace set, verifies, and keeps ≥ 100 conjectured bits', () => {
    const header = peekStarkHeights(bytes);
    expect(header.ok && Math.max(...header.logHeights)).toBeLessThanOrEqual(SMALL_TRACE_MAX_LOG_HEIGHT);
    expect(file.version).toBe(PROOF_VERSION);
    const r = verifyProofFile(tinyPolicy, file);
    expect(r.ok, r.ok ? '' : r.error).toBe(true);
    if (r.ok) expect(r.security.conjecturedBits).toBeGreaterThanOrEqual(100);
    // Made at the small-trace set: it decodes and verifies in that system.
    const m = machine(exec.program as never, new FriPcs(SMALL_TRACE_PCS_PARAMS));
    const decoded = decodeStarkProof(bytes, m.system, (b, layouts) => decodeFriPcsProof(b, SMALL_TRACE_PCS_PARAMS, layouts));
    expect(decoded.ok && verifyExecution(m, exec.publicInputs, exec.publicOutputs, decoded.value).ok).toBe(true);
  });

  it('refuses the same execution proved at the other parameter set', () => {
    const seed = 'the other set';
    const other = proveExecution(machine(exec.program as never, new FriPcs(DEFAULT_PCS_PARAMS, { backend })), exec as Execution, { seed }).stark;
    const r = verifyProofFile(tinyPolicy, withStark(encodeStarkProof(other, encodeFriPcsProof)));
    expect(r).toMatchObject({ ok: false, code: 'ZV108' });
    // The control: the same seed at the small-trace set verifies (the refusal is the parameters', not the seed's).
    const same = proveExecution(machine(exec.program as never, new FriPcs(SMALL_TRACE_PCS_PARAMS, { backend })), exec as Execution, { seed }).stark;
    expect(verifyProofFile(tinyPolicy, withStark(encodeStarkProof(same, encodeFriPcsProof))).ok).toBe(true);
  });

  it('refuses a header that claims a table tall enough for the default set, or out of range', () => {
    const T = bytes[5]!;
    for (let i = 0; i < T; i++) {
      for (const h of [SMALL_TRACE_MAX_LOG_HEIGHT + 1, 27, 0, 255]) {
        const b = Uint8Array.from(bytes);
        b[6 + i] = h;
        const r = verifyProofFile(tinyPolicy, withStark(b));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.code).toBe('ZV108');
      }
    }
  });

  it('refuses flipped bytes and truncations without an internal error', () => {
    const codes = new Set<string>();
    for (let k = 0; k < 48; k++) {
      const b = Uint8Array.from(bytes);
      const at = Math.floor(((k * 2654435761) >>> 0) / 2 ** 32 * b.length);
      b[at] ^= 1 << k % 8;
      const r = verifyProofFile(tinyPolicy, withStark(b));
      expect(r.ok, `byte ${at}`).toBe(false);
      if (!r.ok) codes.add(r.code);
    }
    for (const n of [0, 5, 6 + bytes[5]!, bytes.length >> 1, bytes.length - 1]) {
      const r = verifyProofFile(tinyPolicy, withStark(bytes.subarray(0, n)));
      expect(r.ok).toBe(false);
      if (!r.ok) codes.add(r.code);
    }
    expect([...codes].every((c) => c === 'ZV107' || c === 'ZV108' || c === 'ZV109')).toBe(true);
  });

  it('refuses a file of an older version by its version', () => {
    expect(proofFileProblem({ ...file, version: 6 })).toBe(`version 6; this zpol reads version ${PROOF_VERSION} (a proof by an older zpol, in a format this one no longer reads: prove the run again)`);
    const r = verifyProofFile(tinyPolicy, { ...file, version: 6 });
    expect(r).toMatchObject({ ok: false, code: 'ZV101' });
    expect(proofFileProblem({ ...file, version: 99 })).toBe(`version 99; this zpol reads version ${PROOF_VERSION}`);
  });
});
