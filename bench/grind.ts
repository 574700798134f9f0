// Proof-of-work grinding (issue #18): hashes per CPU-second of the TypeScript reference and the native search
// (gpu/native/grind.cc), for both puzzles (BLAKE3 and Poseidon2, runtime/proof/pow.ts), and what a proof's grinding
// then costs at each difficulty (2^bits tries expected), and a draw's proof of work (runtime/run/sampling.ts: the
// reference search against grindPoseidon2Lanes, which any draw up to 60 bits uses), with the CPU-hours of a check's
// work at the draws' sizes (34 bits: the 70B fixture's). The nonces must agree. Writes bench/results/grind.json
// (--quick: fewer tries, grind-quick.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '../gpu/index.ts';
import { P } from '../runtime/proof/field/babybear.ts';
import { grind, grindPoseidon2, poseidon2PowChallenge } from '../runtime/proof/pow.ts';
import { drawPuzzle, grind as grindDraw, powThresholds } from '../runtime/run/sampling.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const cpu = cpuBackend();

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Tries per CPU-second: the nonces found over several challenges are the tries made (each search starts at 0). */
function rate(solve: (seed: number) => number, challenges: number): { triesPerCpuSecond: number; tries: number; cpuSeconds: number; wallSeconds: number; nonces: number[] } {
  const c0 = cpuMs();
  const t0 = performance.now();
  const nonces = Array.from({ length: challenges }, (_, i) => solve(i + 1));
  const cpuSeconds = (cpuMs() - c0) / 1000;
  const tries = nonces.reduce((s, n) => s + n + 1, 0);
  return { triesPerCpuSecond: Math.round(tries / cpuSeconds), tries, cpuSeconds: Number(cpuSeconds.toFixed(3)), wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(3)), nonces };
}

const blakeChallenge = (seed: number) => Uint8Array.from({ length: 32 }, (_, i) => (seed * 131 + i * 7) & 0xff);
const p2Challenge = (seed: number, bits: number) => poseidon2PowChallenge(Array.from({ length: 8 }, (_, i) => (seed * 1000003 + i * 7919) % P), bits);

const rows = [];
for (const puzzle of ['blake3', 'poseidon2'] as const) {
  const tsBits = puzzle === 'blake3' ? (quick ? 14 : 17) : quick ? 10 : 13;
  const nativeBits = puzzle === 'blake3' ? (quick ? 18 : 22) : quick ? 14 : 18;
  const n = quick ? 2 : 4;
  const ts = rate((s) => (puzzle === 'blake3' ? grind(blakeChallenge(s), tsBits) : grindPoseidon2(p2Challenge(s, tsBits), tsBits)), n);
  const native = cpu ? rate((s) => (puzzle === 'blake3' ? cpu.grind(blakeChallenge(s), nativeBits) : cpu.grindPoseidon2!(p2Challenge(s, nativeBits), nativeBits)), n) : null;
  // The same nonces: the native search at the reference's difficulty.
  if (cpu) {
    const again = Array.from({ length: n }, (_, i) => (puzzle === 'blake3' ? cpu.grind(blakeChallenge(i + 1), tsBits) : cpu.grindPoseidon2!(p2Challenge(i + 1, tsBits), tsBits)));
    if (again.some((x, i) => x !== ts.nonces[i])) throw new Error(`${puzzle}: the native search found other nonces`);
  }
  const perBits = (r: number | undefined) => (r ? Object.fromEntries([16, 18, 20, 22, 24, 26].map((b) => [b, Number((2 ** b / r).toFixed(3))])) : null);
  const row = {
    puzzle,
    ts: { bits: tsBits, ...ts, nonces: undefined },
    native: native ? { bits: nativeBits, ...native, nonces: undefined } : 'the native addon is not built',
    expectedCpuSecondsAtBits: { ts: perBits(ts.triesPerCpuSecond), native: perBits(native?.triesPerCpuSecond) },
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}
// A draw's work: the same permutation, its nonce over two slots, the work over the digest's lanes.
{
  const tsBits = quick ? 10 : 13;
  const nativeBits = quick ? 14 : 21;
  const n = quick ? 2 : 4;
  const seed = (s: number) => Array.from({ length: 8 }, (_, i) => (s * 1000003 + i * 7919) % P);
  const ts = rate((s) => grindDraw(seed(s), tsBits).nonce, n);
  const lanes = cpu?.grindPoseidon2Lanes?.bind(cpu);
  const native = lanes ? rate((s) => lanes(drawPuzzle(seed(s)), powThresholds(nativeBits), 0), n) : null;
  if (lanes) {
    const again = Array.from({ length: n }, (_, i) => lanes(drawPuzzle(seed(i + 1)), powThresholds(tsBits), 0));
    if (again.some((x, i) => x !== ts.nonces[i])) throw new Error('draw: the native search found other nonces');
  }
  const hours = (r: number | undefined) => (r ? Object.fromEntries([30, 32, 34, 36, 38, 40].map((b) => [b, Number((2 ** b / r / 3600).toFixed(3))])) : null);
  const row = {
    puzzle: 'draw',
    ts: { bits: tsBits, ...ts, nonces: undefined },
    native: native ? { bits: nativeBits, ...native, nonces: undefined } : 'the native addon is not built (or predates grindPoseidon2Lanes)',
    expectedCpuHoursAtBits: { ts: hours(ts.triesPerCpuSecond), native: hours(native?.triesPerCpuSecond) },
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}
const out = { bench: 'grind', date: new Date().toISOString(), quick, machine: machineInfo(), results: rows };
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'grind-quick.json' : 'grind.json'), JSON.stringify(out, null, 2) + '\n');
