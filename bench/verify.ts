// Verification time of a demo step proof (issue #18: ≤ 50 ms): the proof is made once (native backend when built),
// then decoded and verified N times as a verifier does it (decodeStarkProof, verifyExecution) on a machine built
// once; CPU milliseconds per verification (process.cpuUsage: the verifier is single-threaded) and wall milliseconds,
// minimum and median, and the one-off cost of building the verifier's machine (its preprocessed commitments).
// Writes bench/results/verify.json (--quick: 10 verifications, verify-quick.json); --out=FILE writes there instead;
// --queries=N --pow=B verify proofs made with other parameters than DEFAULT_PCS_PARAMS (to compare like with like).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '../gpu/index.ts';
import { tsBackend } from '../runtime/proof/backends/ts.ts';
import { FriPcs } from '../runtime/proof/pcs/fri-pcs.ts';
import { DEFAULT_PCS_PARAMS } from '../runtime/proof/pcs/security.ts';
import { decodeStarkProof, encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { decodeFriPcsProof, encodeFriPcsProof } from '../runtime/proof/pcs/codec.ts';
import { machine, proveExecution, verifyExecution } from '../runtime/vm/machine.ts';
import { demoStep } from './demo-step.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runs = quick ? 10 : 40;
const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const params = { ...DEFAULT_PCS_PARAMS, numQueries: Number(arg('queries') ?? DEFAULT_PCS_PARAMS.numQueries), powBits: Number(arg('pow') ?? DEFAULT_PCS_PARAMS.powBits) };

const { exec, seed } = demoStep();
const backend = cpuBackend() ?? tsBackend;
const bytes = encodeStarkProof(proveExecution(machine(exec.program, new FriPcs(params, { backend })), exec, { seed }).stark, encodeFriPcsProof);

const cpuMs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const b0 = process.cpuUsage();
const v = machine(exec.program, new FriPcs(params));
const machineCpuMs = cpuMs(b0);
const cpu: number[] = [];
const wall: number[] = [];
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const decoded = decodeStarkProof(bytes, v.system, (b, layouts) => decodeFriPcsProof(b, v.system.pcs.params, layouts));
  if (!decoded.ok) throw new Error(decoded.error);
  const verdict = verifyExecution(v, exec.publicInputs, exec.publicOutputs, decoded.value);
  if (!verdict.ok) throw new Error(verdict.error);
  wall.push(performance.now() - t0);
  cpu.push(cpuMs(c0));
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: Number(s[0]!.toFixed(1)), median: Number(s[s.length >> 1]!.toFixed(1)) };
};
const out = {
  bench: 'verify',
  date: new Date().toISOString(),
  quick,
  machine: machineInfo(),
  proofBytes: bytes.length,
  pcs: params,
  runs,
  verifyCpuMs: stats(cpu),
  verifyWallMs: stats(wall),
  machineBuildCpuMs: Number(machineCpuMs.toFixed(1)),
};
console.log(JSON.stringify(out));
const outArg = arg('out');
if (outArg) writeFileSync(outArg, JSON.stringify(out, null, 2) + '\n');
else if (!arg('queries') && !arg('pow')) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', quick ? 'verify-quick.json' : 'verify.json'), JSON.stringify(out, null, 2) + '\n');
}
