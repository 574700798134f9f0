// The prover's figures, per backend in one run (issue #18): for a demo step proof and for a zkVM trace of 2^18 rows
// (the counting loop), CPU time (process.cpuUsage: every thread of the process) and wall time per proof, committed
// cells per CPU-second, proof bytes, verification time, conjectured security, and where the time goes (phases of
// runtime/proof/profile.ts: the backend's kernels, the STARK's and the PCS's steps; each exclusive of the phases
// inside it). The proofs must be byte-identical across backends. Writes bench/results/prover.json (--quick: the
// demo step and a 2^14-row trace, prover-quick.json).
//
//   --backends=ts,cpu   which backends (default: ts, cpu when the native addon is built, cuda when a GPU answers)
//   --out=FILE          also write the figures to FILE (gpu/run-on-gpu.sh)
//   --only=demo|vm      one case
//   --log=18            the zkVM trace's log2 rows
//   --repeat=N          measured proofs per case and backend (default 3, 1 for the TypeScript backend and with --quick);
//                       the median proof's figures are reported, every proof's CPU and wall time beside
//   --no-warmup         skip the unmeasured warm-up proof of each case, on each backend (the JIT, caches, and the
//                       process's first touch of its memory: on a fresh virtual machine a page touched for the first
//                       time costs several microseconds of system time, 1.3 of a 2^17 proof's 5.5 CPU-s here; bench/
//                       peer-miden.ts warms Miden up the same way)
//   --queries=N --pow=B other FRI query counts and grinding bits than the defaults' (to weigh the two)
//   --log-blowup=L      another log2 blowup than the defaults' (bench/peer-miden.ts: the peer's own settings)
//
// Each case proves at the BLAKE3 defaults for its heights (pcsParamsForHeight: SMALL_TRACE_PCS_PARAMS for the demo step,
// TALL_TRACE_PCS_PARAMS for the tall trace), as `zpol prove` does, with the flags above applied.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend, cudaStatus, nativeLoadError } from '../gpu/index.ts';
import type { ProofBackend } from '../runtime/proof/backend.ts';
import { tsBackend } from '../runtime/proof/backends/ts.ts';
import { Profiler, profiledBackend } from '../runtime/proof/profile.ts';
import { FriPcs } from '../runtime/proof/pcs/fri-pcs.ts';
import { pcsParamsForHeight } from '../runtime/proof/pcs/security.ts';
import type { PcsParams } from '../runtime/proof/pcs/types.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { encodeFriPcsProof } from '../runtime/proof/pcs/codec.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { executionCosts, machine, proveExecution, vmTraces, type VmProof } from '../runtime/vm/machine.ts';
import type { FriPcsProof } from '../runtime/proof/pcs/proof.ts';
import type { Execution } from '../runtime/vm/executor.ts';
import { execute } from '../runtime/vm/executor.ts';
import type { Program } from '../runtime/vm/program.ts';
import { countingLoop } from '../test/fixtures/sample-programs.ts';
import { demoStep } from './demo-step.ts';
import { composition, verifyMs } from './proof-composition.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const cpu = cpuBackend();
const cuda = cudaStatus();
const wanted = (arg('backends') ?? 'ts,cpu,cuda').split(',');
const backends: ProofBackend[] = [tsBackend, ...(cpu ? [cpu] : []), ...(cuda.backend ? [cuda.backend] : [])].filter((b) => wanted.includes(b.name));
const only = arg('only');
const logVm = Number(arg('log') ?? (quick ? 14 : 18));
const warmup = !args.includes('--no-warmup');
// Measured proofs per case and backend after the warm-up (the median is reported): one proof's CPU time varies by
// ±10-15% on these shared 2-core machines, proof to proof in one process.
// The TypeScript backend, the reference at 8-25× the native CPU time, measures one proof unless --repeat says.
const repeatFor = (backend: ProofBackend): number => Math.max(1, Number(arg('repeat') ?? (quick || backend.name === 'ts' ? 1 : 3)));
/** The parameters `zpol prove` takes for this execution's heights, with --log-blowup, --queries and --pow applied. */
function paramsFor(exec: Execution): PcsParams {
  const d = pcsParamsForHeight(vmTraces(exec).map((t) => Math.log2(t.height)));
  return { ...d, logBlowup: Number(arg('log-blowup') ?? d.logBlowup), numQueries: Number(arg('queries') ?? d.numQueries), powBits: Number(arg('pow') ?? d.powBits) };
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function vmTrace(log: number): { exec: Execution; seed: string } {
  const c = countingLoop(Math.floor((2 ** log - 3) / 3));
  return { exec: execute(c.program, c.inputs), seed: 'bench' };
}

interface Measured {
  backend: string;
  /** The FRI PCS parameters the case proves with (paramsFor). */
  pcs: PcsParams;
  /** The median measured proof's CPU and wall time (median by CPU time). */
  cpuSeconds: number;
  wallSeconds: number;
  /** Every measured proof's, in order. */
  runs: { cpuSeconds: number; wallSeconds: number }[];
  /** Height × (main + 4 × LogUp columns) summed over tables: no zero-knowledge doubling, no quotient chunks. */
  traceCells: number;
  committedCells: number;
  committedCellsPerCpuSecond: number;
  proofBytes: number;
  verifyMs: number;
  conjecturedBits: number;
  /** Where the proof's bytes go. */
  composition: Record<string, number>;
  phases: { phase: string; wallMs: number; cpuMs: number; calls: number }[];
  bytes: Uint8Array;
}

function measure(program: Program, exec: Execution, seed: string | Uint8Array, backend: ProofBackend, warm: boolean): Measured {
  const profiler = new Profiler();
  const pcsParams = paramsFor(exec);
  const m = machine(program, new FriPcs(pcsParams, { backend: profiledBackend(backend, profiler), profiler }));
  if (warm) proveExecution(m, exec, { seed });
  // `repeat` measured proofs; the figures are the median one's (by CPU time), every run's CPU and wall time beside.
  const runs: { cpu: number; wall: number; proof: VmProof<FriPcsProof>; phases: ReturnType<Profiler['summary']> }[] = [];
  for (let i = 0; i < repeatFor(backend); i++) {
    profiler.phases.clear();
    const c0 = cpuMs();
    const t0 = performance.now();
    const proof = proveExecution(m, exec, { seed, profiler });
    const wall = performance.now() - t0;
    runs.push({ cpu: cpuMs() - c0, wall, proof, phases: profiler.summary() });
  }
  const median = [...runs].sort((a, b) => a.cpu - b.cpu)[(runs.length - 1) >> 1]!;
  const { proof, wall, cpu: cpuTime } = median;
  const bytes = encodeStarkProof(proof.stark, encodeFriPcsProof);
  const costs = executionCosts(m, exec);
  const committed = costs.reduce((s, t) => s + t.committedCells, 0);
  // Verification as a verifier does it: decode the bytes, then verify (best of 3).
  const verifyTime = verifyMs(bytes, exec, pcsParams, 3);
  const phases = median.phases;
  const accounted = phases.reduce((s, p) => s + p.cpuMs, 0);
  phases.push({ phase: '(outside the phases: encoding, transcript, glue)', wallMs: 0, cpuMs: Math.round((cpuTime - accounted) * 10) / 10, calls: 0 });
  return {
    backend: backend.name,
    pcs: pcsParams,
    cpuSeconds: Number((cpuTime / 1000).toFixed(2)),
    wallSeconds: Number((wall / 1000).toFixed(2)),
    runs: runs.map((r) => ({ cpuSeconds: Number((r.cpu / 1000).toFixed(2)), wallSeconds: Number((r.wall / 1000).toFixed(2)) })),
    traceCells: costs.reduce((s, t) => s + t.cells, 0),
    committedCells: committed,
    committedCellsPerCpuSecond: Math.round(committed / (cpuTime / 1000)),
    proofBytes: bytes.length,
    verifyMs: Number(verifyTime.toFixed(1)),
    conjecturedBits: starkSecurity(m.system, proof.stark.logHeights).conjecturedBits,
    composition: composition(proof.stark, bytes.length),
    phases,
    bytes,
  };
}

const cases: { name: string; run: () => { exec: Execution; seed: string | Uint8Array; file?: (stark: Uint8Array) => Uint8Array }; warm: boolean }[] = [
  { name: 'demo step', run: demoStep, warm: warmup },
  { name: `zkVM counting loop, 2^${logVm} rows`, run: () => vmTrace(logVm), warm: warmup },
].filter((c) => !only || (only === 'demo' ? c.name === 'demo step' : c.name !== 'demo step'));

const results = [];
for (const c of cases) {
  const { exec, seed, file } = c.run();
  const per: (Omit<Measured, 'bytes'> & { proofFileBytes?: number })[] = [];
  const bytes: Uint8Array[] = [];
  for (const b of backends) {
    const { bytes: proof, ...measured } = measure(exec.program, exec, seed, b, c.warm);
    // The demo step's proof as `zpol prove` writes it (step-000001.zproof), header included.
    const r = file ? { ...measured, proofFileBytes: file(proof).length } : measured;
    bytes.push(proof);
    per.push(r);
    console.log(JSON.stringify({ case: c.name, ...r }));
  }
  const identical = bytes.every((b) => Buffer.compare(Buffer.from(b), Buffer.from(bytes[0]!)) === 0);
  if (!identical) throw new Error(`${c.name}: the backends gave different proofs`);
  results.push({ case: c.name, cycles: exec.steps.length, identicalProofs: backends.length > 1 ? identical : null, backends: per });
}

const out = {
  bench: 'prover',
  date: new Date().toISOString(),
  quick,
  machine: {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
    native: cpu ? 'built' : `not available: ${nativeLoadError()}`,
    cuda: cuda.backend ? cuda.device : `not available: ${cuda.reason}`,
  },
  results,
};
if (arg('out')) writeFileSync(arg('out')!, JSON.stringify(out, null, 2) + '\n');
if (!only && !arg('backends') && !arg('log') && !arg('queries') && !arg('pow') && !arg('log-blowup')) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', quick ? 'prover-quick.json' : 'prover.json'), JSON.stringify(out, null, 2) + '\n');
}
