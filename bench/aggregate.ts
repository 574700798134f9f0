// Recursive aggregation (#24): what verifying one child proof costs inside the zkVM. For each child proof
// (Poseidon2 configuration, default PCS parameters, zero knowledge) the verifier program is built from the child's
// system and heights alone (runtime/aggregate/verifier.ts: the whole STARK verification — transcript, LogUp sums,
// PCS claims, Merkle openings, reduced quotients, FRI, the constraints at ζ), executed on the child's tape, and its
// costs read with executionCosts: cycles, Poseidon2 and Merkle rows, the cells of the rows used (Σ used rows ×
// committed width) and the cells the prover would commit for the program (padded heights, zero-knowledge extension
// and quotient chunks included). Per part of the program (it is straight-line: one cycle an instruction): cycles,
// Poseidon2 rows (a `hash` is one, a `merkle` of depth d is d) and Merkle levels. Exact counts, not timings.
// Writes bench/results/aggregate.json (--quick: the small system only, aggregate-quick.json).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HASH_CONFIGS } from '../runtime/proof/hash-config.ts';
import { POSEIDON2_AGGREGATION_PCS_PARAMS, POSEIDON2_PCS_PARAMS, FriPcs, encodeFriPcsProof, type FriPcsProof, type PcsParams } from '../runtime/proof/pcs/index.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { buildSystem } from '../runtime/proof/stark/system.ts';
import { prove } from '../runtime/proof/stark/prover.ts';
import { verify } from '../runtime/proof/stark/verifier.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { execute, type Execution } from '../runtime/vm/executor.ts';
import { executionCosts, machine, proveExecution, verifyExecution, vmPublics } from '../runtime/vm/machine.ts';
import type { Program } from '../runtime/vm/program.ts';
import { machineVerifier, starkVerifier, type VerifierProgram } from '../runtime/aggregate/verifier.ts';
import { machineChild, nodeVerifier } from '../runtime/aggregate/node.ts';
import { countingLoop } from '../test/fixtures/sample-programs.ts';
import * as X from '../test/fixtures/sample-airs.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const p2 = (params: PcsParams) => new FriPcs(params, { ...HASH_CONFIGS.poseidon2 });

interface Child {
  readonly name: string;
  readonly params: string;
  readonly numQueries: number;
  /** The child proof's conjectured security (stark/security.ts) and its prover's wall time (load-dependent). */
  readonly conjecturedBits: number;
  readonly proveSeconds: number;
  readonly tables: number;
  readonly proofBytes: number;
  /** Builds the verifier program (with the child's tape). */
  readonly build: () => VerifierProgram;
  /** A node program verifying the child twice (no links: a link costs two cycles), for a VM child. */
  readonly node?: () => VerifierProgram;
}

const PARAMS: Record<string, PcsParams> = { 'POSEIDON2_PCS_PARAMS': POSEIDON2_PCS_PARAMS, 'POSEIDON2_AGGREGATION_PCS_PARAMS': POSEIDON2_AGGREGATION_PCS_PARAMS };
const seconds = (t: number) => Number(((performance.now() - t) / 1000).toFixed(2));

function u16Child(label: string): Child {
  const params = PARAMS[label]!;
  const airs = () => [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
  const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
  const system = buildSystem('u16', airs(), p2(params), true);
  const t = performance.now();
  const proof = prove(system, [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], [], { seed: 'bench aggregate' });
  const verdict = verify(system, [], proof);
  if (!verdict.ok) throw new Error(verdict.error);
  return { name: 'u16 range check + byte table (test/fixtures/sample-airs.ts), 8 rows', params: label, numQueries: params.numQueries, conjecturedBits: starkSecurity(system, proof.logHeights).conjecturedBits, proveSeconds: seconds(t), tables: system.tables.length, proofBytes: encodeStarkProof(proof, encodeFriPcsProof).length, build: () => starkVerifier(system, proof.logHeights, { publics: [], proof }) };
}

function vmChild(iterations: number, label: string): Child {
  const params = PARAMS[label]!;
  const c = countingLoop(iterations);
  const exec = execute(c.program, c.inputs);
  const m = machine<FriPcsProof>(c.program, p2(params));
  const t = performance.now();
  const proof = proveExecution(m, exec, { seed: 'bench aggregate' });
  const verdict = verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark);
  if (!verdict.ok) throw new Error(verdict.error);
  const publics = vmPublics(c.program, exec.publicInputs, exec.publicOutputs);
  return {
    name: `zkVM proof of countingLoop(${iterations}) (${exec.steps.length} cycles, every machine table; heights 2^[${proof.stark.logHeights.join(', ')}])`,
    params: label,
    numQueries: params.numQueries,
    conjecturedBits: starkSecurity(m.system, proof.stark.logHeights).conjecturedBits,
    proveSeconds: seconds(t),
    tables: m.system.tables.length,
    proofBytes: encodeStarkProof(proof.stark, encodeFriPcsProof).length,
    build: () => machineVerifier(m, proof.stark.logHeights, { publics, proof: proof.stark }),
    node: () => {
      const c = machineChild(m, proof.stark.logHeights);
      const child = { publics, proof: proof.stark };
      return nodeVerifier({ left: c, right: c, links: [], outputs: [{ child: 'left', index: 0 }] }, { left: child, right: child });
    },
  };
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
  const v = child.build();
  const exec = execute(v.program, { privateInputs: v.tape });
  if (exec.steps.length !== v.program.instructions.length) throw new Error('the verifier program is not straight-line');
  const parts: Record<string, { cycles: number; poseidon2Rows: number; merkleLevels: number }> = {};
  for (const p of v.parts) {
    const acc = (parts[p.name] ??= { cycles: 0, poseidon2Rows: 0, merkleLevels: 0 });
    for (let pc = p.start; pc < p.end; pc++) {
      const ins = v.program.instructions[pc]!;
      acc.cycles++;
      if (ins.op === 'hash') acc.poseidon2Rows++;
      if (ins.op === 'merkle') (acc.poseidon2Rows += ins.imm), (acc.merkleLevels += ins.imm);
    }
  }
  let node = null;
  if (child.node) {
    const n = child.node();
    node = cost(n.program, execute(n.program, { privateInputs: n.tape }));
  }
  const row = { child: child.name, params: child.params, queries: child.numQueries, conjecturedBits: child.conjecturedBits, proveSeconds: child.proveSeconds, tables: child.tables, proofBytes: child.proofBytes, verifier: cost(v.program, exec), parts, node };
  console.log(JSON.stringify(row));
  return row;
}

const t0 = performance.now();
const children = Object.keys(PARAMS).flatMap((label) => (quick ? [u16Child(label)] : [u16Child(label), vmChild(1000, label)]));
const out = {
  bench: 'aggregate',
  date: new Date().toISOString(),
  quick,
  params: Object.fromEntries(Object.entries(PARAMS).map(([k, v]) => [k, { ...v, hash: 'poseidon2' }])),
  machine: machineInfo(),
  note:
    'Per parameter set (the Poseidon2 defaults, and the parameters for proofs meant for aggregation: rate 1/16, 22 queries, 8 bits ground before the challenges), cost inside the zkVM of verifying one child proof with the verifier program built from the child\'s system and heights alone (runtime/aggregate/verifier.ts: the whole STARK verification). verifier: the whole program; parts: its instructions by part (statement: the transcript to ζ, the LogUp sums and the ζ check; pcs-claims: the opened values absorbed, the batching coefficients and the reduced claims; fri-commitments: FRI\'s roots, β\'s, final polynomial, grinding and the query draws; merkle, reduced-quotients, fri-queries: the per-query work summed over the queries; constraints: every table\'s constraints at ζ against its quotient chunks; outputs). node: the node program (runtime/aggregate/node.ts) verifying two such children. usedCells = Σ used rows × committed width; committedCells = what proving the program would commit (padded heights, zero-knowledge extension, quotient chunks).',
  children: children.map(measure),
  seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
};
mkdirSync(join(here, 'results'), { recursive: true });
const file = join(here, 'results', quick ? 'aggregate-quick.json' : 'aggregate.json');
// The run proof's figures (bench/aggregate-run.ts, minutes a node), the node programs' (bench/aggregate-nodes.ts) and
// the verifying key's (bench/aggregate-key.ts) are kept across reruns of this benchmark. (`run`: the version-1 run
// proof of the demo, steps alone; `runProof`: genesis, the steps and the attestation.)
const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
const kept = Object.fromEntries(['run', 'runProof', 'nodes', 'key'].filter((k) => previous[k] !== undefined).map((k) => [k, previous[k]]));
writeFileSync(file, JSON.stringify({ ...out, ...kept }, null, 2) + '\n');
