// One whole step of a compute-check policy, proven and verified end to end as `zpol prove` and `zpol verify` do it,
// phase by phase, resumable: commit the tensors, grind the draw's proof of work, build the openings tape, execute the
// step, prove every segment, write the proof file, verify it as the chain verifier does (verifyProofFile: the segments'
// links, then every segment's STARK proof). CPU seconds (process.cpuUsage), wall seconds and the peak resident set of
// each run; each segment's CPU and proof bytes; the whole step's proof bytes and verification time.
//
// Resumable with a state folder, as `zpol prove` is (runtime/chain/partial.ts): the draw's search and every finished
// segment proof are kept in STATE/proofs/.partial/step-000001/, each segment's timing in STATE/segments.json; a run
// started again (after a kill, or `--stop-after N`, which stops once N segments are proven) recomputes the commit,
// tape and execution (minutes), searches on from the first nonce not searched and proves only the segments missing.
//
// The policy: by default the stand-in written to STATE/standin.zpol, `verify mm { dims: [64, 1024, 3584], tau: 1e-20,
// f: 1%, samples: 640, grinding: 36 }`: the 70B FFN up-projection's row ratio (K : N = 1 : 3.5, as
// bench/frontier-segments.ts) with 640 samples (not 4,606) so the whole step is ~1 M cycles, 16 segments of 2^16,
// a few CPU-minutes here, and a 27-bit proof of work (not 34) so the grind phase is measured in about a CPU-minute.
// Or any policy whose step record is the roots of one `verify` clause (--policy), e.g. the 70B fixture:
//   node --import tsx bench/frontier-step.ts STATE [--policy FILE] [--segment-log L = 16] [--backend cpu | ts] [--stop-after N] [--from-last] [--seed-from DIR]
// --from-last runs a helper beside a run already proving on STATE (ChainProver fromLastSegment): it proves segments
// from the last one backwards into the same work folder until it meets the other's, which takes them as it gets there
// (a second process where one leaves a core idle); its timings go to STATE/segments-from-last.json.
// --seed-from DIR copies the draw's search files kept in DIR (DIR/.partial/step-000001/grind-*.json, DIR/.nonces/*.json:
// a few hundred bytes, MAC'd under the bench's key) into STATE/proofs where absent, so that a new machine goes on
// with a search another one made (bench/carry/ffn-70b holds the 70B step's); the prover checks them as it checks
// its own, and the step program checks the nonce's work.
// Give node a larger young generation for the 70B step (`node --max-semi-space-size=128 ...`): a 2^16 segment's
// trace building keeps many short-lived objects alive across scavenges, and with the default a third of a segment's
// time went to the collector (its openings tape 48 -> 22 CPU-s and its execution 312 -> 203 with the flag).
// Operands are zeros (c = a·b exactly), committed as a run commits them. Writes bench/results/frontier-step.json
// (STATE/frontier-step.json for another policy) once the step is proven and verified, with the 70B step's phases
// extrapolated from the rates measured.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import type { RunValue } from '../compiler/witness.ts';
import { num } from '../language/checker/values.ts';
import { ChainProver, SegmentsLeftToOthers, type SegmentProgress } from '../runtime/chain/prover.ts';
import { PartialProofs } from '../runtime/chain/partial.ts';
import { encodeProofFile, parseProofFile, proofFileName, type ProofFile } from '../runtime/chain/proof-file.ts';
import { verifyProofFile } from '../runtime/chain/verifier.ts';
import { writeFileAtomic } from '../runtime/run/files.ts';
import { commitMatrix } from '../runtime/run/tensor-commit.ts';
import { drawEntries } from '../runtime/run/sampling.ts';
import { programCost, segmentCyclesWithin } from '../runtime/vm/costs.ts';
import { isSegmented } from '../runtime/vm/segments.ts';
import { cpuBackend } from '../gpu/index.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const FFN_70B = join(here, '..', 'test/fixtures/policies/ffn-70b.zpol');
const STAND_IN = `policy frontier_step version 1
spec { m: int }
step { a: digest
 b: digest
 c: digest }
verify mm "the stand-in product" {
 a: step.a
 b: step.b
 c: step.c
 dims: [64, 1024, 3584]
 tau: 1e-20
 f: 1%
 samples: 640
 order: sequential
 rounding: bf16
 grinding: 36
}
`;

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const state = args[0] && !args[0].startsWith('--') ? resolve(args[0]) : null;
if (!state) throw new Error('usage: bench/frontier-step.ts STATE [--policy FILE] [--segment-log L] [--backend cpu | ts] [--stop-after N] [--from-last] [--seed-from DIR]');
mkdirSync(state, { recursive: true });
const standIn = flag('--policy') === undefined;
const policyPath = standIn ? join(state, 'standin.zpol') : resolve(flag('--policy')!);
if (standIn) writeFileSync(policyPath, STAND_IN);
const segmentCycles = 2 ** Number(flag('--segment-log') ?? 16);
const stopAfter = flag('--stop-after') === undefined ? Infinity : Number(flag('--stop-after'));
const backend = (flag('--backend') ?? 'cpu') === 'cpu' ? cpuBackend() : null;
if ((flag('--backend') ?? 'cpu') === 'cpu' && !backend) throw new Error('the native CPU backend is not built (node gpu/build.mjs)');

interface Timing {
  cpuS: number;
  wallS: number;
}
const phases: Record<string, Timing> = {};
function phase<T>(name: string, f: () => T): T {
  const [c0, t0] = [process.cpuUsage(), performance.now()];
  const v = f();
  const c = process.cpuUsage(c0);
  phases[name] = { cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000 };
  console.log(`${name}: ${phases[name]!.cpuS.toFixed(1)} CPU-s, ${phases[name]!.wallS.toFixed(1)} s wall`);
  return v;
}

// What earlier runs on this state folder measured: each segment's timing, and their peak resident sets.
// A helper (--from-last) keeps its own ledger: two processes on one state folder would overwrite each other's.
const fromLast = args.includes('--from-last');
const ledgerPath = join(state, fromLast ? 'segments-from-last.json' : 'segments.json');
const otherLedgerPath = join(state, fromLast ? 'segments.json' : 'segments-from-last.json');
type Ledger = { policy: string; segmentCycles: number; runs: { peakRssBytes: number; provedSegments: number; resumedSegments: number; grind?: { from: number; cpuS: number } }[]; segments: Record<string, Timing> };
const fresh: Ledger = { policy: policyPath, segmentCycles, runs: [], segments: {} };
const earlier = existsSync(ledgerPath) ? (JSON.parse(readFileSync(ledgerPath, 'utf8')) as Ledger) : fresh;
const ledger = earlier.policy === policyPath && earlier.segmentCycles === segmentCycles ? earlier : fresh;
const thisRun: Ledger['runs'][number] = { peakRssBytes: 0, provedSegments: 0, resumedSegments: 0 };
ledger.runs.push(thisRun);
const saveLedger = () => {
  thisRun.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  writeFileAtomic(ledgerPath, `${JSON.stringify(ledger, null, 2)}\n`);
};

const policy = phase('compile', () => {
  const r = compileFile(policyPath);
  if (!r.ok) throw new Error(r.error);
  return r;
});
if (policy.artifact.verifies.length !== 1) throw new Error(`${policyPath}: the bench proves a step of one verify clause; this policy has ${policy.artifact.verifies.length}`);
const check = policy.artifact.verifies[0]!;
const [M, K, N] = check.dims;

const rowDigests = backend?.tensorRowDigests;
const tensors = phase('commit', () => new Map([
  [check.a, commitMatrix(new Uint16Array(M * K), M, K, rowDigests)],
  [check.b, commitMatrix(new Uint16Array(N * K), N, K, rowDigests)],
  [check.c, commitMatrix(new Uint16Array(M * N), M, N, rowDigests)],
]));
const record = new Map<string, RunValue>([...tensors].map(([f, t]) => [f, { kind: 'digest', words: t.root }] as [string, RunValue]));
const spec = new Map<string, RunValue>(policy.artifact.records.spec.map((f) => [f.name, num(1n)] as [string, RunValue]));

const proofs = join(state, 'proofs');
const seedFrom = flag('--seed-from');
if (seedFrom !== undefined) {
  for (const rel of readdirSync(resolve(seedFrom), { recursive: true, encoding: 'utf8' })) {
    const from = join(resolve(seedFrom), rel);
    const to = join(proofs, rel);
    if (!rel.endsWith('.json') || !statSync(from).isFile() || existsSync(to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    console.log(`seeded ${to} from ${from}`);
  }
}
const key = new Uint8Array(32).fill(3);
const partial = new PartialProofs(proofs, key, (n) => console.log(`ignored ${n.file}: ${n.why}`));
let cpuMark = process.cpuUsage();
let provedHere = 0;
const onSegment = (p: SegmentProgress) => {
  const c = process.cpuUsage(cpuMark);
  cpuMark = process.cpuUsage();
  if (p.action === 'resumed') {
    thisRun.resumedSegments++;
    console.log(`segment ${p.segment + 1}/${p.of}: resumed (checked in ${p.seconds.toFixed(1)} s)`);
    return;
  }
  ledger.segments[p.segment] = { cpuS: (c.user + c.system) / 1e6, wallS: p.seconds };
  thisRun.provedSegments++;
  saveLedger();
  console.log(`segment ${p.segment + 1}/${p.of}: ${ledger.segments[p.segment]!.cpuS.toFixed(1)} CPU-s, ${p.seconds.toFixed(1)} s wall`);
  if (++provedHere >= stopAfter) {
    console.log(`stopped after ${provedHere} segments (--stop-after): run again to resume`);
    process.exit(3);
  }
};
const prover = new ChainProver(policy, key, spec, { segmentCycles, ...(backend ? { backend } : {}), partial, onSegment, fromLastSegment: fromLast });
const genesis = phase('genesis', () => prover.genesisExecution());

// The draw alone first (its search checkpointed), so that the tape's draw finds the nonce at once.
let grindFrom = 0;
const draw = phase('grind', () =>
  drawEntries({ a: tensors.get(check.a)!.root, b: tensors.get(check.b)!.root, c: tensors.get(check.c)!.root }, check.dims, check.samples, check.powBits, backend ?? undefined, (seed, bits) => {
    const cp = partial.grind('step', 1, seed, bits);
    grindFrom = cp.searched;
    return cp;
  }),
);
thisRun.grind = { from: grindFrom, cpuS: phases.grind!.cpuS };
const inputs = prover.stepInputs(1, genesis.state, record, tensors);
const tape = phase('tape', () => inputs.tape());
const exec = phase('execute', () => prover.run('step', 1, inputs.publicInputs, tape));
const segments = isSegmented(exec) ? exec.starts.length : 1;
saveLedger();

const stepFile = join(proofs, proofFileName('step', 1));
let proof: ProofFile;
const kept = existsSync(stepFile) ? parseProofFile(readFileSync(stepFile), stepFile) : null;
if (kept?.ok) {
  proof = kept.value;
  console.log(`${stepFile}: already proven`);
} else {
  cpuMark = process.cpuUsage();
  try {
    proof = phase('prove', () => prover.prove('step', 1, exec));
  } catch (e) {
    if (!(e instanceof SegmentsLeftToOthers)) throw e;
    saveLedger();
    console.log(`--from-last: ${e.message}`);
    process.exit(3);
  }
  phase('write', () => {
    writeFileAtomic(stepFile, encodeProofFile(proof));
    partial.remove('step', 1);
  });
}
const verdict = phase('verify', () => verifyProofFile(policy, proof));
if (!verdict.ok) throw new Error(`the step does not verify: ${verdict.code}: ${verdict.error}`);
saveLedger();

// The whole step, over every run on this state folder, a helper's (--from-last) segments included.
const helperSegments: Record<string, Timing> = existsSync(otherLedgerPath) ? (JSON.parse(readFileSync(otherLedgerPath, 'utf8')) as Ledger).segments : {};
const cost = programCost(policy.programs.step, [], segmentCycles);
const segmentList = Array.from({ length: segments }, (_, k) => ({
  segment: k,
  ...(ledger.segments[k] ?? helperSegments[k]!),
  proofBytes: proof.segments ? Buffer.from(proof.segments[k]!.stark, 'base64').length : Buffer.from(proof.stark, 'base64').length,
}));
const proveCpuS = segmentList.reduce((s, x) => s + x.cpuS, 0);
const proveWallS = segmentList.reduce((s, x) => s + x.wallS, 0);
const fileBytes = encodeProofFile(proof).length;
const grindRun = ledger.runs.find((r) => r.grind?.from === 0 && r.grind.cpuS > 1);
// Tries a CPU-second: this search's when it ran whole in one run, else the native rate bench/grind.ts measured.
const grindBench = JSON.parse(readFileSync(join(here, 'results', 'grind.json'), 'utf8')) as { results: { native?: { triesPerCpuSecond: number } }[] };
const benchRate = grindBench.results.map((r) => r.native?.triesPerCpuSecond).find((x) => x !== undefined) ?? null;
const triesPerCpuS = draw.nonce !== null && grindRun ? (draw.nonce + 1) / grindRun.grind!.cpuS : benchRate;
const grindRate = draw.nonce !== null && grindRun ? 'this step\'s search (nonce + 1 tries)' : 'bench/results/grind.json (native)';
const round = (x: number, d = 1) => Number(x.toFixed(d));
const timing = (t: Timing) => ({ cpuS: round(t.cpuS, 2), wallS: round(t.wallS, 2) });
const measured = {
  compile: timing(phases.compile!),
  commit: timing(phases.commit!),
  grind: grindRun ? { cpuS: round(grindRun.grind!.cpuS), nonce: draw.nonce, triesPerCpuSecond: triesPerCpuS && Math.round(triesPerCpuS) } : { nonce: draw.nonce, note: 'the search ran across runs (resumed): its CPU is not one figure' },
  tape: timing(phases.tape!),
  execute: timing(phases.execute!),
  prove: { cpuS: round(proveCpuS), wallS: round(proveWallS), note: 'the sum of every segment proven, over the runs on this state folder' },
  verify: timing(phases.verify!),
};

// The 70B FFN step: the same phases at the rates measured here (operands 28,672 × 8,192 etc., 4,608 samples with
// rows of 8,192 and 28,672 words, 34 bits of work, 39.4 M cycles in segments of the size `zpol prove` takes in 16 GiB).
const ffn = compileFile(FFN_70B);
if (!ffn.ok) throw new Error(ffn.error);
const big = ffn.artifact.verifies[0]!;
const [, bK, bN] = big.dims;
const ffnSegment = segmentCyclesWithin(ffn.programs.step, 16 * 2 ** 30) ?? 2 ** 19;
const ffnCost = programCost(ffn.programs.step, [], ffnSegment);
const elements = (d: readonly number[]) => d[0]! * d[1]! + d[2]! * d[1]! + d[0]! * d[2]!;
const rowWords = (samples: number, k: number, n: number) => samples * (k + n);
const perCell = proveCpuS / (segments * cost.segmentCommittedCells);
const ffnPhases = {
  commit: phases.commit!.cpuS * (elements(big.dims) / elements(check.dims)),
  grind: triesPerCpuS ? 2 ** big.powBits / triesPerCpuS : null,
  tape: phases.tape!.cpuS * (rowWords(big.samples, bK, bN) / rowWords(check.samples, K, N)),
  execute: phases.execute!.cpuS * (ffnCost.cycles / cost.cycles),
  prove: perCell * ffnCost.segments * ffnCost.segmentCommittedCells,
  verify: phases.verify!.cpuS * (ffnCost.segments / segments),
};
const hours = (s: number | null) => (s === null ? null : round(s / 3600, 3));
const out = {
  bench: 'frontier-step',
  date: new Date().toISOString(),
  machine: machineInfo(),
  backend: backend ? 'cpu' : 'ts',
  policy: standIn ? { standIn: STAND_IN.split('\n').filter((l) => /dims|samples|grinding|tau|f:/.test(l)).map((l) => l.trim()).join(', ') } : { file: policyPath },
  why: standIn
    ? 'a whole step that fits ~15 CPU-minutes here: the 70B FFN row ratio (K : N = 1 : 3.5) with 640 samples (16 segments of 2^16) and a 27-bit proof of work, so every phase of the 70B step runs, each at a measurable size'
    : undefined,
  check: { dims: check.dims, samples: check.samples, powBits: check.powBits, order: check.order, operands: 'zeros (c = a·b exactly)' },
  step: { cycles: cost.cycles, tapeWords: tape.length, segmentCycles, segments, committedCellsPerSegment: cost.segmentCommittedCells, estimatedProverBytesPerSegment: cost.segmentProverBytes },
  runs: ledger.runs.map((r) => ({ ...r, peakRssMiB: Math.round(r.peakRssBytes / 2 ** 20) })),
  measuredCpuSeconds: measured,
  segments: segmentList.map((s) => ({ ...s, cpuS: round(s.cpuS), wallS: round(s.wallS) })),
  proof: { fileBytes, segmentProofBytes: segmentList.reduce((s, x) => s + x.proofBytes, 0) },
  verified: { ok: true, cpuS: round(phases.verify!.cpuS, 2), wallS: round(phases.verify!.wallS, 2), conjecturedBits: round(verdict.security.conjecturedBits) },
  ffn70b: {
    policy: 'test/fixtures/policies/ffn-70b.zpol',
    figures: 'extrapolated from the rates measured above (commit per element, tape per row word, execute per cycle, prove per committed cell, verify per segment, grind per try), not run',
    dims: big.dims,
    samples: big.samples,
    powBits: big.powBits,
    cycles: ffnCost.cycles,
    segmentCycles: ffnSegment,
    segments: ffnCost.segments,
    estimatedProverBytesPerSegment: ffnCost.segmentProverBytes,
    cpuHours: Object.fromEntries(Object.entries(ffnPhases).map(([k, v]) => [k, hours(v)])),
    grindRate: `${triesPerCpuS && Math.round(triesPerCpuS)} tries a CPU-second, from ${grindRate}`,
    totalCpuHours: hours(Object.values(ffnPhases).reduce<number>((s, v) => s + (v ?? 0), 0)),
    command: `node --max-old-space-size=12288 --import tsx bench/frontier-step.ts /var/tmp/zpol-ffn70b --policy test/fixtures/policies/ffn-70b.zpol --segment-log ${Math.log2(ffnSegment)}`,
  },
};
const file = standIn ? join(here, 'results', 'frontier-step.json') : join(state, 'frontier-step.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`verified; ${segments} segments, ${fileBytes} bytes; written ${file}`);
console.log(`ffn-70b (extrapolated): ~${out.ffn70b.totalCpuHours} CPU-h: ${JSON.stringify(out.ffn70b.cpuHours)}`);
