// The proof size against CPU time for FRI PCS parameters (issue #18): the demo step proved with the native backend
// (TypeScript without it) for each blowup, folding arity and grinding setting, at the fewest queries that keep the
// step's conjectured security (stark/security.ts) at ≥ 100 bits. Records per setting the bytes and where they go,
// CPU and wall seconds, verification time and the bits; writes bench/results/pcs-sweep.json. Bytes and bits are
// exact; CPU time is noisy on a shared machine (the load average is recorded).
//
//   --blowups=2,3,4 --arities=3,4 --pows=20,24 --finals=3   the grid (log2 values; pows in bits)
//   --out=FILE                                               write there instead
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '../gpu/index.ts';
import { tsBackend } from '../runtime/proof/backends/ts.ts';
import { FriPcs } from '../runtime/proof/pcs/fri-pcs.ts';
import { DEFAULT_PCS_PARAMS, pcsParamsForHeight, SMALL_TRACE_MAX_LOG_HEIGHT, SMALL_TRACE_PCS_PARAMS, TALL_TRACE_PCS_PARAMS } from '../runtime/proof/pcs/security.ts';
import type { PcsParams } from '../runtime/proof/pcs/types.ts';
import { encodeFriPcsProof } from '../runtime/proof/pcs/codec.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { executionCosts, machine, proveExecution } from '../runtime/vm/machine.ts';
import { demoStep } from './demo-step.ts';
import { composition, verifyMs } from './proof-composition.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const list = (name: string, dflt: string): number[] => (arg(name) ?? dflt).split(',').map(Number);
const backend = cpuBackend() ?? tsBackend;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const { exec, seed } = demoStep();
const program = exec.program;
const heights = proveExecution(machine(program, new FriPcs(DEFAULT_PCS_PARAMS, { backend })), exec, { seed }).stark.logHeights;

/** The fewest queries at which the step's conjectured security reaches 100 bits (null: none up to 64). */
function fewestQueries(base: Omit<PcsParams, 'numQueries'>): number | null {
  for (let q = 8; q <= 64; q++) {
    const params = { ...base, numQueries: q };
    try {
      if (starkSecurity(machine(program, new FriPcs(params, { allowInsecure: true })).system, heights).conjecturedBits >= 100) return q;
    } catch {
      // a setting the protocol refuses at this height (e.g. a slack too large for the rate)
    }
  }
  return null;
}

const results = [];
for (const logBlowup of list('blowups', '2,3,4')) {
  for (const logFoldingArity of list('arities', '3,4')) {
    for (const logFinalPolyLen of list('finals', '3')) {
      for (const powBits of list('pows', '20,24')) {
        const base = { ...DEFAULT_PCS_PARAMS, logBlowup, logFoldingArity, logFinalPolyLen, powBits };
        const numQueries = fewestQueries(base);
        if (numQueries === null) continue;
        const params: PcsParams = { ...base, numQueries };
        const m = machine(program, new FriPcs(params, { backend }));
        const c0 = cpuMs();
        const t0 = performance.now();
        const proof = proveExecution(m, exec, { seed });
        const bytes = encodeStarkProof(proof.stark, encodeFriPcsProof);
        const wall = performance.now() - t0;
        const cpuTime = cpuMs() - c0;
        const verifyTime = verifyMs(bytes, exec, params, 2);
        const s = starkSecurity(m.system, proof.stark.logHeights);
        const r = {
          logBlowup,
          logFoldingArity,
          logFinalPolyLen,
          powBits,
          challengePowBits: params.challengePowBits,
          numQueries,
          proofBytes: bytes.length,
          cpuSeconds: Number((cpuTime / 1000).toFixed(2)),
          wallSeconds: Number((wall / 1000).toFixed(2)),
          verifyMs: Number(verifyTime.toFixed(1)),
          conjecturedBits: s.conjecturedBits,
          terms: { pcs: s.terms.pcs, deep: Number(s.terms.deep.toFixed(1)), logup: s.terms.logup === null ? null : Number(s.terms.logup.toFixed(1)) },
          committedCells: executionCosts(m, exec).reduce((a, t) => a + t.committedCells, 0),
          composition: composition(proof.stark, bytes.length),
          loadavg: loadavg().map((x) => Number(x.toFixed(2))),
        };
        console.log(JSON.stringify(r));
        results.push(r);
      }
    }
  }
}

const out = {
  bench: 'pcs-sweep',
  date: new Date().toISOString(),
  how: 'node --import tsx bench/pcs-sweep.ts: the demo step, one process, each setting proved once after a warm-up proof at the defaults',
  machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, backend: backend.name },
  // The BLAKE3 defaults: SMALL_TRACE_PCS_PARAMS up to 2^smallMaxLogHeight rows (the demo step: `selected`), else TALL_TRACE_PCS_PARAMS.
  defaults: { small: SMALL_TRACE_PCS_PARAMS, smallMaxLogHeight: SMALL_TRACE_MAX_LOG_HEIGHT, large: TALL_TRACE_PCS_PARAMS },
  selected: pcsParamsForHeight(heights),
  results,
};
const file = arg('out') ?? join(here, 'results', 'pcs-sweep.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
