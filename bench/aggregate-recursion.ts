// Recursion end to end (#24): the zkVM proves the whole verification of a STARK proof, and the next level's
// verifier program verifies that proof. Level 0: a Poseidon2 proof of the u16 + byte-table system
// (POSEIDON2_AGGREGATION_PCS_PARAMS). Level 1: its verifier program (runtime/aggregate/verifier.ts, built from the
// system alone) executed and proven by the zkVM, same parameters; the proof verified by the TypeScript verifier.
// Level 2: the verifier program of the level-1 machine (its program digest pinned) executed on that proof.
// Records cycles, the level-1 proof's size, heights and security, and the prover's wall and CPU time and peak RSS
// (the native CPU backend when built, else TypeScript). Writes bench/results/aggregate-recursion.json. Not in
// `npm run bench` (minutes of proving); run: node --import tsx bench/aggregate-recursion.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '../gpu/index.ts';
import { tsBackend } from '../runtime/proof/backends/index.ts';
import { HASH_CONFIGS } from '../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_AGGREGATION_PCS_PARAMS, encodeFriPcsProof, type FriPcsProof } from '../runtime/proof/pcs/index.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { prove } from '../runtime/proof/stark/prover.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { buildSystem } from '../runtime/proof/stark/system.ts';
import { execute } from '../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution, vmPublics } from '../runtime/vm/machine.ts';
import { machineVerifier, starkVerifier } from '../runtime/aggregate/verifier.ts';
import * as X from '../test/fixtures/sample-airs.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const native = cpuBackend();
const backend = native ?? tsBackend;
const params = POSEIDON2_AGGREGATION_PCS_PARAMS;
const pcs = () => new FriPcs(params, { ...HASH_CONFIGS.poseidon2, backend });

const airs = () => [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
const system = buildSystem('u16', airs(), pcs(), true);
const child = prove(system, [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], [], { seed: 'recursion' });

const v1 = starkVerifier(system, child.logHeights, { publics: [], proof: child });
const exec1 = execute(v1.program, { privateInputs: v1.tape });
const m1 = machine<FriPcsProof>(v1.program, pcs());
const t0 = performance.now();
const c0 = process.cpuUsage();
const outer = proveExecution(m1, exec1, { seed: 'recursion level 1' });
const cpu = process.cpuUsage(c0);
const proveWall = (performance.now() - t0) / 1000;
const rss = process.memoryUsage().rss;
const t1 = performance.now();
const verdict = verifyExecution(m1, exec1.publicInputs, exec1.publicOutputs, outer.stark);
const verifyMs = performance.now() - t1;
if (!verdict.ok) throw new Error(`level 1: ${verdict.error}`);

const publics = vmPublics(v1.program, exec1.publicInputs, exec1.publicOutputs);
const v2 = machineVerifier(m1, outer.stark.logHeights, { publics, proof: outer.stark });
const exec2 = execute(v2.program, { privateInputs: v2.tape });
if (JSON.stringify(exec2.publicOutputs) !== JSON.stringify(v2.outputs)) throw new Error('level 2: the outputs are not the level-1 publics');

const out = {
  bench: 'aggregate-recursion',
  date: new Date().toISOString(),
  machine: machineInfo(),
  backend: native ? 'cpu (native)' : 'ts',
  params: { ...params, hash: 'poseidon2' },
  level0: { system: 'u16 range check + byte table, 8 rows', proofBytes: encodeStarkProof(child, encodeFriPcsProof).length },
  level1: {
    verifierCycles: exec1.steps.length,
    proofBytes: encodeStarkProof(outer.stark, encodeFriPcsProof).length,
    logHeights: outer.stark.logHeights,
    conjecturedBits: starkSecurity(m1.system, outer.stark.logHeights).conjecturedBits,
    proveWallSeconds: Number(proveWall.toFixed(1)),
    proveCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
    peakRssGiB: Number((rss / 2 ** 30).toFixed(2)),
    verifyMs: Math.round(verifyMs),
  },
  level2: { verifierCycles: exec2.steps.length },
};
console.log(JSON.stringify(out));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'aggregate-recursion.json'), JSON.stringify(out, null, 2) + '\n');
