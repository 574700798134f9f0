// The two proof configurations (runtime/proof/hash-config.ts) on the same VM proofs: BLAKE3 commitments and
// transcript (the default) against Poseidon2-BabyBear (for proofs a VM program verifies, #24). Proves the demo
// policy's genesis and attestation programs with each, in one process, and records CPU and wall seconds, proof
// bytes, verify milliseconds and the security figure in bench/results/hash-config.json (--quick: attestation only).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { Trainer } from '../demo/trainer.ts';
import { weightLayout } from '../runtime/run/weights.ts';
import { digestFromHex } from '../runtime/run/tensor-commit.ts';
import { ChainProver } from '../runtime/chain/prover.ts';
import { num } from '../language/checker/values.ts';
import type { RunValue } from '../compiler/witness.ts';
import { machine, proveExecution, verifyExecution } from '../runtime/vm/machine.ts';
import { wholeExecution } from '../runtime/vm/segments.ts';
import { FriPcs, defaultPcsParams, encodeFriPcsProof } from '../runtime/proof/pcs/index.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { HASH_CONFIGS, type HashConfigName } from '../runtime/proof/hash-config.ts';
import { selectBackend } from '../gpu/index.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const policy = compileFile(join(here, '..', 'policies', 'demo.zpol'));
if (!policy.ok) throw new Error('the demo policy does not compile');
const backend = selectBackend('auto');
const arch = policy.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : [])).find((f) => f.name.name === 'arch')!;
const archType = policy.root.checker.resolveType(arch.type);
if (archType.kind !== 'enum') throw new Error('arch is not an enum');
const weights = weightLayout(new Trainer().weights());
const spec = new Map<string, RunValue>([
  ['arch', { kind: 'enum', decl: archType.decl, member: 'mlp' }],
  ...(['params', 'd_in', 'd_hidden', 'd_out', 'batch_rows'] as const).map((n, i) => [n, num(BigInt([58, 4, 8, 2, 16][i]!))] as [string, RunValue]),
  // The registry's dataset roots (registry.json): any digests do for genesis and the attestation.
  ['datasets', { kind: 'array', elements: [0, 1].map((s) => ({ kind: 'digest', words: [s, 0, 0, 0, 0, 0, 0, 0] }) as RunValue) }],
  // The initial weights' layout root, which genesis rebuilds from the layout on its tape.
  ['weights', { kind: 'digest', words: digestFromHex(weights.root) }],
]);
// The attestation after no step reads the layout the run ends with, weights.json (compiler/step-weights.ts).
const prover = new ChainProver(policy, new Uint8Array(32).fill(1), spec, { weights, stepWeights: (k) => (k === 1 ? weights : undefined) });
const genesis = prover.genesisExecution();
const executions = { genesis: wholeExecution(genesis.exec), attestation: wholeExecution(prover.attestationExecution(0, genesis.state)) };
const kinds = quick ? (['attestation'] as const) : (['genesis', 'attestation'] as const);

const rows: { proof: string; hash: HashConfigName; proveWallSeconds: number; proveCpuSeconds: number; proofBytes: number; verifyMs: number; conjecturedBits: number; hashBits: number | null }[] = [];
for (const kind of kinds) {
  for (const name of ['blake3', 'poseidon2'] as HashConfigName[]) {
    const m = machine(policy.programs[kind], new FriPcs(defaultPcsParams(name), { ...HASH_CONFIGS[name], backend }));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const proof = proveExecution(m, executions[kind], { seed: 'bench' });
    const proveWall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const bytes = encodeStarkProof(proof.stark, encodeFriPcsProof).length;
    const t1 = performance.now();
    const verdict = verifyExecution(m, executions[kind].publicInputs, executions[kind].publicOutputs, proof.stark);
    const verifyMs = performance.now() - t1;
    if (!verdict.ok) throw new Error(`${kind} with ${name} does not verify: ${verdict.error}`);
    const security = starkSecurity(m.system, proof.stark.logHeights);
    const row = {
      proof: kind,
      hash: name,
      proveWallSeconds: Number(proveWall.toFixed(2)),
      proveCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      proofBytes: bytes,
      verifyMs: Number(verifyMs.toFixed(1)),
      conjecturedBits: security.conjecturedBits,
      hashBits: security.terms.hash,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const ratio = (kind: string, field: 'proveCpuSeconds' | 'proofBytes' | 'verifyMs') => {
  const [b, p] = ['blake3', 'poseidon2'].map((h) => rows.find((r) => r.proof === kind && r.hash === h)![field]);
  return Number((p! / b!).toFixed(2));
};
const out = {
  bench: 'hash-config',
  date: new Date().toISOString(),
  quick,
  policy: 'policies/demo.zpol',
  backend: backend.name,
  note: backend.name === 'cpu' ? 'both hashes native (Poseidon2 trees with gpu/device/poseidon2.h)' : 'TypeScript backend',
  machine: machineInfo(),
  proofs: rows,
  poseidon2OverBlake3: Object.fromEntries(kinds.map((k) => [k, { proveCpu: ratio(k, 'proveCpuSeconds'), proofBytes: ratio(k, 'proofBytes'), verifyMs: ratio(k, 'verifyMs') }])),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'hash-config-quick.json' : 'hash-config.json'), JSON.stringify(out, null, 2) + '\n');
