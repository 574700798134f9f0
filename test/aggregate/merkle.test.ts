// Merkle openings of the Poseidon2 mixed-height trees as a VM program fragment (runtime/aggregate/merkle.ts),
// against the TypeScript verifier on a real proof: every query path of every commitment (preprocessed, main, aux,
// quotient: several heights, salts) and of the zero-knowledge mask's tree checked by one program; a flipped sibling, row element or salt fails it; the
// program is the same for another proof of the system (only the tape differs).
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { POSEIDON2_PCS_PARAMS, FriPcs, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove, type StarkProof } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { programDigest } from '../../runtime/vm/program.ts';
import { fieldWord } from '../../runtime/vm/word.ts';
import { merkleProgram, recordingConfig, type Entry } from '../fixtures/aggregate.ts';
import * as X from '../fixtures/sample-airs.ts';

const airs = () => [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
const traces = (values: number[]) => [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))];
const pcs = new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 });
const system = buildSystem('u16', airs(), pcs, true);

/** A proof and its FRI queries (from the verifier's recorded transcript). */
function proofAndQueries(values: number[], seed: string): { proof: StarkProof<FriPcsProof>; queries: number[]; logMaxDomain: number } {
  const proof = prove(system, traces(values), [], { seed });
  const { config, recorded } = recordingConfig();
  expect(verify(buildSystem('u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, config), true), [], proof)).toEqual({ ok: true });
  const draw = recorded.find((r) => r.protocol === 'zpol-stark')!.log.find((e) => e.op === 'challengeIndices') as Extract<Entry, { op: 'challengeIndices' }>;
  return { proof, queries: [...draw.out], logMaxDomain: Math.log2(draw.n) };
}

describe('Merkle openings of mixed trees in the VM', () => {
  const a = proofAndQueries([0, 1, 255, 256, 65535, 1234, 40000, 7], 'merkle a');
  const built = merkleProgram(system, a.proof, a.queries, a.logMaxDomain);

  it('accepts every query path of every commitment of a real proof (several heights, salted leaves)', () => {
    // The zk mask rides in the quotient commitment (protocol.ts CommitLayout.mask): no tree of its own.
    expect(built.trees.map((t) => t.kind)).toEqual(['pre', 'main', 'aux', 'quotient']);
    expect(Math.max(...built.trees.map((t) => t.groups))).toBeGreaterThan(1);
    const exec = execute(built.program, { publicInputs: built.roots, privateInputs: built.tape });
    expect(exec.merkle.length).toBeGreaterThanOrEqual(4 * a.queries.length);
  });

  it('is the same program for another proof of the system (the instructions depend on the shape only)', () => {
    const b = proofAndQueries([9, 99, 999, 9999, 3, 33, 333, 3333], 'merkle b');
    const other = merkleProgram(system, b.proof, b.queries, b.logMaxDomain);
    expect(programDigest(other.program)).toEqual(programDigest(built.program));
    execute(other.program, { publicInputs: other.roots, privateInputs: other.tape });
    // a's tape under b's roots: not b's tree.
    expect(() => execute(built.program, { publicInputs: other.roots, privateInputs: built.tape })).toThrow(/do not hash to the committed root/);
  });

  it('rejects a flipped sibling, row element or salt, and another query index', () => {
    // Tape words: the query values first, then per path the leaf message words, siblings and group rows.
    const flips = [built.tape.length - 1, built.tape.length - 20, a.queries.length, a.queries.length + 1, a.queries.length + 7];
    for (const at of flips) {
      const tape = built.tape.map((w) => [...w]);
      tape[at]![0] = (tape[at]![0]! + 1) % 0x78000001;
      expect(() => execute(built.program, { publicInputs: built.roots, privateInputs: tape }), `tape word ${at}`).toThrow(/do not hash to the committed root/);
    }
    const tape = built.tape.map((w) => [...w]);
    tape[0] = [...fieldWord(a.queries[0]! ^ (1 << (a.logMaxDomain - 1)))];
    expect(() => execute(built.program, { publicInputs: built.roots, privateInputs: tape })).toThrow(/do not hash to the committed root/);
  });
});
