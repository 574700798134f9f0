// A compute-check step proven whole and in segments (continuations, runtime/vm/segments.ts): a one-clause policy
// `verify mm { dims: [64, 64, 64], samples: 64, order: sequential }` whose step program runs ~2^14.6 cycles, proven
// in one proof and in segments of 2^12 cycles, each configuration in its own process (a clean heap: its peak
// resident set from process.resourceUsage). Each segmented proof is verified as one step. Then the 70B FFN
// up-projection's policy is compiled and priced in segments of 2^19 (estimated, and extrapolated at the measured
// rate: not proven). Writes bench/results/segments.json.
//   node --import tsx bench/segments.ts [--quick]      (--quick: samples 32, segments of 2^11)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { num } from '../language/checker/values.ts';
import type { RunValue } from '../compiler/witness.ts';
import { ChainProver } from '../runtime/chain/prover.ts';
import { verifyProofFile } from '../runtime/chain/verifier.ts';
import { encodeProofFile } from '../runtime/chain/proof-file.ts';
import { programCost } from '../runtime/vm/costs.ts';
import { seededStep } from '../test/fixtures/compute-step.ts';
import { machineInfo } from './machine.ts';

const here = fileURLToPath(import.meta.url);
const DIMS = [64, 64, 64] as const;

function policy(samples: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-bench-segments-'));
  const path = join(dir, 'mm.zpol');
  writeFileSync(
    path,
    `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${DIMS.join(', ')}]\n tau: 1e-3\n f: 50%\n samples: ${samples}\n grinding: 1\n order: sequential\n rounding: bf16\n}\n`,
  );
  return path;
}

if (process.argv[2] === '--one') {
  // The child: one configuration (segment size, 0 for whole), one JSON line.
  const [samples, segmentLog] = [Number(process.argv[3]), Number(process.argv[4])];
  const compiled = compileFile(policy(samples));
  if (!compiled.ok) throw new Error(compiled.error);
  const step = seededStep(DIMS);
  const prover = new ChainProver(compiled, new Uint8Array(32).fill(3), new Map<string, RunValue>([['m', num(1n)]]), segmentLog > 0 ? { segmentCycles: 2 ** segmentLog } : {});
  const g = prover.genesisExecution();
  const { exec } = prover.stepExecution(1, g.state, step.record, step.tensors);
  const t0 = performance.now();
  const proof = prover.prove('step', 1, exec);
  const proveMs = Math.round(performance.now() - t0);
  const t1 = performance.now();
  const verdict = verifyProofFile(compiled, proof);
  const verifyMs = Math.round(performance.now() - t1);
  if (!verdict.ok) throw new Error(`${verdict.code}: ${verdict.error}`);
  const cost = programCost(compiled.programs.step);
  console.log(
    JSON.stringify({
      segmentCycles: segmentLog > 0 ? 2 ** segmentLog : null,
      cycles: cost.cycles,
      segments: proof.segments?.length ?? 1,
      proveMs,
      verifyMs,
      proofBytes: encodeProofFile(proof).length,
      conjecturedBits: Number(verdict.security.conjecturedBits.toFixed(1)),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
} else {
  const quick = process.argv.includes('--quick');
  const samples = quick ? 32 : 64;
  const configs = quick ? [0, 11] : [0, 12];
  const results = configs.map((log) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', here, '--one', String(samples), String(log)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${log}: ${r.stderr}`);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | null>;
    console.log(`${log > 0 ? `segments of 2^${log}` : 'whole'}: ${line.cycles} cycles, ${line.segments} proof(s), ${line.proveMs} ms, peak ${((line.peakRssBytes as number) / 2 ** 20).toFixed(0)} MiB, ${line.proofBytes} bytes, verified in ${line.verifyMs} ms`);
    return line;
  });
  // The 70B FFN up-projection (test/fixtures/policies/ffn-70b.zpol, tau 1e-20, f 1%): compiled here (timed), its
  // step program priced in segments of 2^19 (estimated from the program), and its proving time extrapolated from
  // the segmented measurement above (seconds per committed cell of a segment proof). Not proven: its tensors
  // alone (a 28,672 × 8,192 bᵀ) take ~48 M Poseidon2 compressions to commit in TypeScript.
  const t0 = performance.now();
  const ffn = compileFile(join(dirname(here), '..', 'test/fixtures/policies/ffn-70b.zpol'));
  const compileMs = Math.round(performance.now() - t0);
  if (!ffn.ok) throw new Error(ffn.error);
  const ffnCost = programCost(ffn.programs.step);
  const segmented = results[results.length - 1]!;
  const small = compileFile(policy(samples));
  if (!small.ok) throw new Error(small.error);
  const measured = programCost(small.programs.step, [], segmented.segmentCycles as number);
  const secondsPerCell = (segmented.proveMs as number) / 1000 / (measured.segments * measured.segmentCommittedCells);
  const frontier = {
    policy: 'test/fixtures/policies/ffn-70b.zpol',
    dims: [4096, 8192, 28672],
    samples: ffn.compiled.verifies[0]!.samples,
    compileMs,
    stepInstructions: ffnCost.instructions,
    cycles: ffnCost.cycles,
    segments: ffnCost.segments,
    segmentCycles: ffnCost.segmentCycles,
    committedCellsPerSegment: ffnCost.segmentCommittedCells,
    estimatedPeakBytesPerSegment: ffnCost.segmentProverBytes,
    estimatedProveSeconds: ffnCost.estimatedProveSeconds,
    extrapolatedProveSecondsAtMeasuredRate: Math.round(secondsPerCell * ffnCost.segments * ffnCost.segmentCommittedCells),
    figures:
      'compileMs measured; the rest estimated from the compiled step program (runtime/vm/costs.ts), extrapolatedProveSecondsAtMeasuredRate from the segmented proof measured above (its seconds per committed cell); not proven',
  };
  console.log(
    `ffn-70b: compiled in ${compileMs} ms to ${frontier.stepInstructions} instructions; ${frontier.cycles.toLocaleString('en-US')} cycles in ${frontier.segments} segments of 2^19, ` +
      `~${(frontier.estimatedPeakBytesPerSegment / 2 ** 30).toFixed(1)} GiB a segment, ~${Math.round(frontier.estimatedProveSeconds / 3600)} CPU-h estimated, ~${Math.round(frontier.extrapolatedProveSecondsAtMeasuredRate / 3600)} CPU-h at the rate measured here (extrapolated)`,
  );
  const out = {
    bench: 'segments',
    date: new Date().toISOString(),
    quick,
    check: { dims: DIMS, samples, order: 'sequential' },
    machine: machineInfo(),
    results,
    frontier,
  };
  const dir = join(dirname(here), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'segments.json'), `${JSON.stringify(out, null, 2)}\n`);
}
