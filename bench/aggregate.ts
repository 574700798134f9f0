// Recursive aggregation (#24): what verifying one child proof costs inside the zkVM, by component, for the
// fragments built so far (runtime/aggregate/): the transcript replayed, and the Merkle openings of every commitment
// at every query. For each child proof (Poseidon2 configuration, default PCS parameters, zero knowledge): the
// verifier's transcript is recorded, the fragment programs are built for it and executed, and their costs are read
// with executionCosts: cycles, Poseidon2 and Merkle rows, the cells of the rows used (Σ used rows × committed width)
// and the cells the prover would commit for that program alone (padded heights, zero-knowledge extension and
// quotient chunks included). FRI on the child's schedule; and the whole PCS verification (transcript, Merkle, the
// reduced quotients, FRI) in one program. The constraint check is not built yet (docs/aggregate.md).
// Writes bench/results/aggregate.json (--quick: the small system only, aggregate-quick.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HASH_CONFIGS } from '../runtime/proof/hash-config.ts';
import { POSEIDON2_PCS_PARAMS, FriPcs, encodeFriPcsProof, type FriPcsProof } from '../runtime/proof/pcs/index.ts';
import { buildSystem, type StarkSystem } from '../runtime/proof/stark/system.ts';
import { prove, type StarkProof } from '../runtime/proof/stark/prover.ts';
import { verify } from '../runtime/proof/stark/verifier.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { execute, type Execution } from '../runtime/vm/executor.ts';
import { executionCosts, machine, proveExecution, verifyExecution } from '../runtime/vm/machine.ts';
import type { Program } from '../runtime/vm/program.ts';
import type { Word } from '../runtime/vm/word.ts';
import { friFixture, merkleProgram, pcsProgram, recordingConfig, replayTranscript, type Entry } from '../test/fixtures/aggregate.ts';
import { commitLayouts } from '../runtime/proof/stark/protocol.ts';
import { countingLoop } from '../test/fixtures/sample-programs.ts';
import * as X from '../test/fixtures/sample-airs.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const p2 = () => new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 });

interface Child {
  readonly name: string;
  readonly system: StarkSystem<FriPcsProof>;
  readonly proof: StarkProof<FriPcsProof>;
  readonly log: Entry[];
  readonly tables: number;
}

function u16Child(): Child {
  const airs = () => [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
  const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
  const system = buildSystem('u16', airs(), p2(), true);
  const proof = prove(system, [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], [], { seed: 'bench aggregate' });
  const { config, recorded } = recordingConfig();
  const verdict = verify(buildSystem('u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, config), true), [], proof);
  if (!verdict.ok) throw new Error(verdict.error);
  return { name: 'u16 range check + byte table (test/fixtures/sample-airs.ts), 8 rows', system, proof, log: recorded.find((r) => r.protocol === 'zpol-stark')!.log, tables: 2 };
}

function vmChild(iterations: number): Child {
  const c = countingLoop(iterations);
  const exec = execute(c.program, c.inputs);
  const m = machine(c.program, p2());
  const proof = proveExecution(m, exec, { seed: 'bench aggregate' });
  const { config, recorded } = recordingConfig();
  const verdict = verifyExecution(machine(c.program, new FriPcs(POSEIDON2_PCS_PARAMS, config)), exec.publicInputs, exec.publicOutputs, proof.stark);
  if (!verdict.ok) throw new Error(verdict.error);
  return { name: `zkVM proof of countingLoop(${iterations}) (${exec.steps.length} cycles, every machine table)`, system: m.system, proof: proof.stark, log: recorded.find((r) => r.protocol === 'zpol-stark')!.log, tables: m.tables.length };
}

function cost(program: Program, exec: Execution) {
  const costs = executionCosts(machine(program), exec);
  const used = (t: string) => costs.find((c) => c.table === t)?.used ?? 0;
  return {
    cycles: exec.steps.length,
    poseidon2Rows: used('poseidon2'),
    merkleRows: used('merkle'),
    usedCells: costs.reduce((n, c) => n + c.used * c.width, 0),
    committedCells: costs.reduce((n, c) => n + c.committedCells, 0),
  };
}

function measure(child: Child) {
  const t = replayTranscript(child.log, 'zpol-stark');
  const tExec = execute(t.program, { privateInputs: t.tape as Word[] });
  const draw = child.log.find((e) => e.op === 'challengeIndices') as Extract<Entry, { op: 'challengeIndices' }>;
  const queries = [...draw.out];
  const mk = merkleProgram(child.system, child.proof, queries, Math.log2(draw.n));
  const mExec = execute(mk.program, { publicInputs: mk.roots, privateInputs: mk.tape });
  const merkle = cost(mk.program, mExec);
  // FRI: the child's schedule (one input per distinct committed height, as the PCS batches them) on a FRI proof of
  // random inputs of those degrees; its cost depends on the schedule only. The program includes FRI's own part of
  // the transcript (layer roots, final polynomial, grinding, the query draws).
  const degrees = [...new Set(commitLayouts(child.system, child.proof.logHeights).flatMap((l) => l.logHeights))].sort((x, y) => y - x);
  const p = POSEIDON2_PCS_PARAMS;
  const fx = friFixture({ logBlowup: p.logBlowup, numQueries: p.numQueries, powBits: p.powBits, logFoldingArity: p.logFoldingArity, logFinalPolyLen: p.logFinalPolyLen }, degrees, 'bench aggregate fri');
  const fp = fx.program(fx.proof);
  const fri = { logDegrees: degrees, rounds: fx.schedule.rounds.length, ...cost(fp.program, execute(fp.program, { privateInputs: fp.tape })) };
  // The whole PCS verification of the child in one program: transcript, Merkle, reduced quotients, FRI.
  const pcs = pcsProgram(child.system, child.proof, child.log, POSEIDON2_PCS_PARAMS);
  const pcsCost = cost(pcs.program, execute(pcs.program, { privateInputs: pcs.tape as Word[] }));
  // The query bits are drawn by the transcript in a real verifier; the Merkle program draws them again (bitsOf
  // per query), so their cost is in both figures; it is small beside the paths.
  const row = {
    child: child.name,
    tables: child.tables,
    proofBytes: encodeStarkProof(child.proof, encodeFriPcsProof).length,
    queries: queries.length,
    commitments: mk.trees.length,
    transcript: cost(t.program, tExec),
    merkle,
    fri,
    pcs: pcsCost,
    merklePerQuery: { cycles: Math.round(merkle.cycles / queries.length), poseidon2Rows: Math.round(merkle.poseidon2Rows / queries.length), merkleRows: Math.round(merkle.merkleRows / queries.length) },
  };
  console.log(JSON.stringify(row));
  return row;
}

const t0 = performance.now();
const children = quick ? [u16Child()] : [u16Child(), vmChild(1000)];
const out = {
  bench: 'aggregate',
  date: new Date().toISOString(),
  quick,
  params: { ...POSEIDON2_PCS_PARAMS, hash: 'poseidon2' },
  machine: machineInfo(),
  note:
    'Cost inside the zkVM of verifying one child proof, by component built so far: transcript, Merkle openings of every commitment at every query, FRI (the child\'s folding schedule on a FRI proof of random inputs of its degrees, with FRI\'s part of the transcript). pcs: the whole PCS verification of the child (its own transcript replayed, every Merkle opening, the reduced quotients at each query, FRI on them) in one program. Not yet built: the constraint check at ζ and the STARK statement (docs/aggregate.md). usedCells = Σ used rows × committed width; committedCells = what proving that fragment alone would commit (padded heights, zero-knowledge extension, quotient chunks).',
  children: children.map(measure),
  seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'aggregate-quick.json' : 'aggregate.json'), JSON.stringify(out, null, 2) + '\n');
