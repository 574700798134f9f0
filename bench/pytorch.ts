// The PyTorch example (integrations/pytorch/examples/tiny_gpt.py, policies/tiny_gpt.zpol): seconds per training
// step with torch's own products, with checked products, and the recording's seconds per step (commitments,
// safetensors, BLAKE3, the anchor's signature, atomic writes); then a recorded run of N steps (default 2; --quick:
// 1) proven for the policy as shipped, with the proving seconds of every proof, on the backend `zpol prove` picks
// (native C++ when built, else TypeScript; --ts forces TypeScript), and each check's cycles per step (a family's:
// its drawn members and the draw, against checking every member) with a family's run-level assurance. Writes
// bench/results/pytorch.json (pytorch-quick.json with --quick). Needs Debian's python3 with python3-torch.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { encodeArtifact } from '../compiler/artifact.ts';
import { proofFileName, proveRun } from '../runtime/chain/run-prover.ts';
import { computeCheckCost } from '../compiler/check-cost.ts';
import { familyAssurance, familyDetectedFraction, familyRunMiss } from '../runtime/policy/family-assurance.ts';
import { selectBackend } from '../gpu/index.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const steps = quick ? 1 : 2;
const python = '/usr/bin/python3';
const example = join(here, '..', 'integrations', 'pytorch', 'examples', 'tiny_gpt.py');

function py(args: string[]): string {
  const r = spawnSync(python, [example, ...args], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.status !== 0) throw new Error(`${python} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const training = JSON.parse(py(['--bench', quick ? '5' : '20'])) as Record<string, number>;
console.log(JSON.stringify(training));
const policy = compileFile(join(here, '..', 'policies', 'tiny_gpt.zpol'));
if (!policy.ok) throw new Error('policies/tiny_gpt.zpol does not compile');
const dir = mkdtempSync(join(tmpdir(), 'zpol-bench-pytorch-'));
const zcp = join(dir, 'tiny_gpt.zcp');
writeFileSync(zcp, encodeArtifact(policy.artifact));
py(['--zcp', zcp, '--run', join(dir, 'run'), '--steps', String(steps)]);
const proveSeconds: Record<string, number> = {};
const backendName = process.argv.includes('--ts') ? 'ts' : 'auto';
const backend = selectBackend(backendName);
proveRun(policy, join(dir, 'run'), join(dir, 'proofs'), {
  backend,
  onProgress: (p) => {
    if (p.seconds !== undefined) proveSeconds[proofFileName(p.kind, p.step)] = Number(p.seconds.toFixed(2));
  },
});
console.log(JSON.stringify(proveSeconds));

// The same run's first step proven with every family drawing as many members as it has (draws: L): what checking
// every block each step would cost, against one drawn block.
const source = readFileSync(join(here, '..', 'policies', 'tiny_gpt.zpol'), 'utf8');
const layers = Number(/const LAYERS = (\d+)/.exec(source)![1]);
const everyBlock = join(dir, 'tiny_gpt_every_block.zpol');
writeFileSync(everyBlock, source.replaceAll('draws: 1', `draws: ${layers}`));
const allPolicy = compileFile(everyBlock);
if (!allPolicy.ok || allPolicy.compiled.verifies.filter((v) => v.family?.draws === layers).length < 2) throw new Error('the every-block variant of policies/tiny_gpt.zpol does not compile');
writeFileSync(join(dir, 'every.zcp'), encodeArtifact(allPolicy.artifact));
py(['--zcp', join(dir, 'every.zcp'), '--run', join(dir, 'every-run'), '--steps', '1']);
const everyBlockSeconds: Record<string, number> = {};
proveRun(allPolicy, join(dir, 'every-run'), join(dir, 'every-proofs'), {
  backend,
  onProgress: (p) => {
    if (p.seconds !== undefined) everyBlockSeconds[proofFileName(p.kind, p.step)] = Number(p.seconds.toFixed(2));
  },
});
console.log(JSON.stringify(everyBlockSeconds));
const stepCycles = (c: typeof policy) => (c.ok ? c.compiled.verifies.reduce((n, v) => n + computeCheckCost(v).cycles, 0) : 0);
const out = {
  bench: 'pytorch',
  date: new Date().toISOString(),
  quick,
  policy: 'policies/tiny_gpt.zpol',
  machine: { ...machineInfo(), device: `CPU only (${backend.name} backend)` },
  training: {
    ...training,
    // What recording adds to a step that already computes its checked products, and what checking adds to torch's own.
    recordOverhead: Number((training.record_s! / training.checked_train_s!).toFixed(2)),
    checkedOverhead: Number((training.checked_train_s! / training.plain_train_s!).toFixed(2)),
  },
  computeChecks: policy.compiled.verifies.map((v) => {
    const cost = computeCheckCost(v);
    const a = familyAssurance(v);
    const family = v.family && a && {
      members: a.members,
      draws: a.draws,
      cyclesAllMembersPerStep: computeCheckCost({ ...v, family: { ...v.family, draws: a.members } }).cycles,
      stepMissOneMember: a.stepMissOneMember,
      // Over 1,000 steps: the escape of a deviation touching 1% of the family's products, and the fraction from which it is at most 1e-6.
      runMissAt1PercentOver1000Steps: familyRunMiss(a, 1000, 0.01),
      fractionFor1e6Over1000Steps: Number(familyDetectedFraction(a, 1000, 1e-6).toPrecision(3)),
    };
    return { name: v.name, dims: v.dims, samples: v.samples, macsPerStep: cost.macs, cyclesPerStep: cost.cycles, ...(family ? { family } : {}) };
  }),
  proveSeconds,
  // The checks' cycles in a step proof, and the first step proven with every family checking all its blocks.
  checkCyclesPerStep: stepCycles(policy),
  everyBlock: { draws: layers, checkCyclesPerStep: stepCycles(allPolicy), proveSeconds: everyBlockSeconds },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'pytorch-quick.json' : 'pytorch.json'), JSON.stringify(out, null, 2) + '\n');
