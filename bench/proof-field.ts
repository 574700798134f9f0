// Throughput of the proof system's TypeScript foundations: field multiplication, NTT, coset LDE, BLAKE3 Merkle
// hashing, grinding. Run: npx tsx bench/proof-field.ts [--quick]   (writes bench/results/field.json)
//
// Each figure is the best of several repetitions after a warm-up (the minimum is the least disturbed by other
// work on the machine); the JSON records the machine so figures are compared like for like.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blake3 } from '@noble/hashes/blake3.js';
import * as F from '../runtime/proof/field/babybear.ts';
import * as E from '../runtime/proof/field/extension.ts';
import * as N from '../runtime/proof/field/ntt.ts';
import { Matrix } from '../runtime/proof/matrix.ts';
import { blake3Hasher, makeSalts } from '../runtime/proof/merkle/index.ts';
import { commitTree, tsBackend } from '../runtime/proof/backends/index.ts';
import { grind } from '../runtime/proof/pow.ts';
import { Rng } from '../runtime/proof/rng.ts';

const quick = process.argv.includes('--quick');
const REPS = quick ? 3 : 7;
const rng = Rng.fromSeed('bench/proof-field');

/** Best wall time in ms of `reps` runs of fn (after one warm-up run); setup runs untimed before each. */
function best<T>(fn: (x: T) => void, setup: () => T, reps = REPS): number {
  fn(setup());
  let min = Infinity;
  for (let r = 0; r < reps; r++) {
    const x = setup();
    const t0 = performance.now();
    fn(x);
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const results: Record<string, unknown> = {};
const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));

// ---- field multiplication ---------------------------------------------------------------------------------------
{
  const n = 1 << 20;
  const a = rng.fieldVector(n);
  const b = rng.fieldVector(n);
  const out = new Uint32Array(n);
  let sink = 0;
  const chainMs = best(() => {
    let x = 12345;
    for (let i = 0; i < n; i++) x = F.mul(x, a[i]!);
    sink ^= x;
  }, () => 0);
  const scalarMs = best(() => {
    for (let i = 0; i < n; i++) out[i] = F.mul(a[i]!, b[i]!);
  }, () => 0);
  const vecMs = best(() => F.vecMul(out, a, b), () => 0);
  const ea = Array.from({ length: n / 16 }, (_, i) => E.load(a, i));
  const extMs = best(() => {
    let acc: E.Ext = E.ONE;
    for (const e of ea) acc = E.mul(acc, e);
    sink ^= acc[0];
  }, () => 0);
  const invMs = best(() => F.batchInverse(a.subarray(0, n / 4)), () => 0);
  results.mul = {
    dependentChainPerSec: n / (chainMs / 1e3),
    independentPerSec: n / (scalarMs / 1e3),
    vecMulPerSec: n / (vecMs / 1e3),
    extMulPerSec: ea.length / (extMs / 1e3),
    batchInversePerSec: n / 4 / (invMs / 1e3),
  };
  log(`mul: ${fmt(n / (chainMs / 1e3))}/s dependent chain, ${fmt(n / (scalarMs / 1e3))}/s independent, ${fmt(n / (vecMs / 1e3))}/s vecMul`);
  log(`ext mul: ${fmt(ea.length / (extMs / 1e3))}/s; batch inverse: ${fmt(n / 4 / (invMs / 1e3))} elements/s`);
  if (sink === 0.5) log('');
}

// ---- NTT --------------------------------------------------------------------------------------------------------
{
  const rows: Record<string, unknown>[] = [];
  for (let log2 = 16; log2 <= 20; log2++) {
    const n = 1 << log2;
    const src = rng.fieldVector(n);
    const nttMs = best((v) => N.ntt(v), () => src.slice());
    const inttMs = best((v) => N.intt(v), () => src.slice());
    rows.push({ logN: log2, nttMs, inttMs, nttElementsPerSec: n / (nttMs / 1e3) });
    log(`ntt 2^${log2}: ${nttMs.toFixed(1)} ms (${fmt(n / (nttMs / 1e3))} elements/s), intt ${inttMs.toFixed(1)} ms`);
  }
  results.ntt = rows;

  const lde: Record<string, unknown>[] = [];
  for (const [logH, width, logBlowup] of [
    [16, 16, 1],
    [18, 8, 2],
  ] as const) {
    const m = new Matrix(rng.fieldVector((1 << logH) * width), width);
    const ms = best(() => N.cosetLdeColumns(m.values, width, logBlowup), () => 0, Math.min(REPS, 3));
    const outElems = (1 << (logH + logBlowup)) * width;
    lde.push({ logHeight: logH, width, logBlowup, ms, outputElementsPerSec: outElems / (ms / 1e3) });
    log(`coset LDE 2^${logH} x ${width}, blowup ${1 << logBlowup}: ${ms.toFixed(0)} ms (${fmt(outElems / (ms / 1e3))} output elements/s)`);
  }
  results.lde = lde;
}

// ---- Merkle hashing ---------------------------------------------------------------------------------------------
{
  const rows: Record<string, unknown>[] = [];
  for (const [logH, width] of [
    [16, 8],
    [16, 32],
    [18, 8],
  ] as const) {
    const height = 1 << logH;
    const m = new Matrix(rng.fieldVector(height * width), width);
    const salts = makeSalts(height, 4, rng);
    const ms = best(() => commitTree(tsBackend, blake3Hasher, [m], salts), () => 0, Math.min(REPS, 3));
    rows.push({ logHeight: logH, width, saltLength: 4, ms, rowsPerSec: height / (ms / 1e3) });
    log(`merkle commit 2^${logH} rows x ${width} (+4 salt): ${ms.toFixed(0)} ms (${fmt(height / (ms / 1e3))} rows/s)`);
  }
  // Raw 2-to-1 compressions, ours vs @noble/hashes on the same 64 bytes.
  const block = rng.fieldVector(16);
  const out = new Uint32Array(8);
  const count = 200_000;
  const oursMs = best(() => {
    for (let i = 0; i < count; i++) {
      block[0] = i;
      blake3Hasher.compress(block, 0, out, 0);
    }
  }, () => 0);
  const bytes = new Uint8Array(64);
  const key = new Uint8Array(32);
  const nobleCount = 20_000;
  const nobleMs = best(() => {
    for (let i = 0; i < nobleCount; i++) {
      bytes[0] = i;
      blake3(bytes, { key });
    }
  }, () => 0, 3);
  results.merkle = { commits: rows, compressPerSec: count / (oursMs / 1e3), nobleKeyed64PerSec: nobleCount / (nobleMs / 1e3) };
  log(`2-to-1 compress: ${fmt(count / (oursMs / 1e3))}/s (word-oriented BLAKE3) vs ${fmt(nobleCount / (nobleMs / 1e3))}/s (@noble/hashes)`);
}

// ---- grinding ---------------------------------------------------------------------------------------------------
{
  const bits = quick ? 12 : 16;
  const challenge = rng.nextBytes(32);
  let nonce = 0;
  const ms = best(() => {
    nonce = grind(challenge, bits);
  }, () => 0, 1);
  results.grinding = { bits, nonce, ms, hashesPerSec: (nonce + 1) / (ms / 1e3) };
  log(`grinding ${bits} bits: nonce ${nonce} in ${ms.toFixed(0)} ms (${fmt((nonce + 1) / (ms / 1e3))} hashes/s)`);
}

const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadavg: loadavg() };
const report = { bench: 'proof-field', date: new Date().toISOString(), quick, machine, results };
const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'field.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
log(`wrote ${file}`);
