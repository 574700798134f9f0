// The hash configuration at the chain level (#24): `zpol prove --hash poseidon2` makes every proof with Poseidon2
// commitments and transcript, the proof file says so (`"hash": "poseidon2"`; absent for BLAKE3, whose files keep
// their bytes), and the verifier picks the configuration from each file. A file that claims the other
// configuration does not verify, an unknown one is malformed, and a proof kept across runs of the prover must be
// of the configuration asked for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proveRun, verifyDir } from '../../runtime/chain/run-prover.ts';
import { decodeProofFile, encodeProofFile, proofFileProblem } from '../../runtime/chain/proof-file.ts';
import { verifyProofFile } from '../../runtime/chain/verifier.ts';
import { selectBackend } from '../../gpu/index.ts';
import { planRun, sharedArtifact } from '../../runtime/queue/coordinator.ts';
import { JobCache, runProofJob } from '../../runtime/queue/prove-job.ts';
import { zpol } from '../helpers.ts';
import { recordTinyRun, TINY_POLICY, tinyPolicy } from '../queue/tiny-run.ts';

const base = mkdtempSync(join(tmpdir(), 'zpol-hash-'));
const run = join(base, 'run');
const p2 = join(base, 'poseidon2');
const b3 = join(base, 'blake3');
const backend = selectBackend('auto');

describe('proofs in the Poseidon2 hash configuration', () => {
  beforeAll(() => {
    recordTinyRun(run, 1);
    proveRun(tinyPolicy, run, b3, { backend });
  }, 300_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('zpol prove --hash poseidon2 writes files that say so and verify; BLAKE3 files do not name a hash', () => {
    const r = zpol(['prove', TINY_POLICY, '--run', run, '--out', p2, '--hash', 'poseidon2'], undefined, 300_000);
    expect(r.status, r.stderr).toBe(0);
    const names = readdirSync(p2).filter((f) => f.endsWith('.zproof')).sort();
    expect(names).toEqual(readdirSync(b3).sort());
    for (const f of names) {
      expect(decodeProofFile(readFileSync(join(p2, f))).hash).toBe('poseidon2');
      expect(readFileSync(join(b3, f), 'latin1')).not.toMatch(/"hash"/);
    }
    expect(verifyDir(tinyPolicy, p2).ok).toBe(true);
    const v = zpol(['verify', TINY_POLICY, p2]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
  }, 300_000);

  it('a file whose hash field is changed does not verify (the STARK proof is checked in the configuration the file names)', () => {
    const p2genesis = decodeProofFile(readFileSync(join(p2, 'genesis.zproof')));
    const b3genesis = decodeProofFile(readFileSync(join(b3, 'genesis.zproof')));
    const { hash: _, ...asBlake3 } = p2genesis;
    // The configurations' default parameters differ (for these small tables BLAKE3's are rate 1/32 with 17 queries,
    // Poseidon2's rate 1/8 with 30: pcs/security.ts), so a Poseidon2 proof read as BLAKE3 does not even decode
    // (ZV108); nor does a BLAKE3 proof read as Poseidon2: the zero-knowledge randomisers' sizes follow the query count
    // (stark/system.ts zkLayout), so the tables' quotient layouts, and with them the values at ζ, differ, and the
    // decoder reads the next bytes as a value that is not a canonical field element.
    const dropped = verifyProofFile(tinyPolicy, asBlake3);
    expect(dropped).toMatchObject({ ok: false, code: 'ZV108' });
    const claimed = verifyProofFile(tinyPolicy, { ...b3genesis, hash: 'poseidon2' });
    expect(claimed).toMatchObject({ ok: false, code: 'ZV108' });
    if (!claimed.ok) expect(claimed.error).toBe('stark: opened value: not a canonical field element');
    expect(verifyProofFile(tinyPolicy, { ...b3genesis, hash: 'sha256' as never })).toMatchObject({ ok: false, code: 'ZV101' });
    expect(proofFileProblem({ ...b3genesis, hash: 'blake3' })).toMatch(/hash must be "poseidon2" or absent/);
  });

  it('the two configurations differ in every proof but agree on the public words', () => {
    for (const f of readdirSync(b3)) {
      const a = decodeProofFile(readFileSync(join(b3, f)));
      const b = decodeProofFile(readFileSync(join(p2, f)));
      expect(b.publicInputs).toEqual(a.publicInputs);
      expect(b.publicOutputs).toEqual(a.publicOutputs);
      expect(b.stark).not.toBe(a.stark);
    }
  });

  it('proving again with the other configuration replaces the files instead of keeping them', () => {
    const mixed = join(base, 'mixed');
    cpSync(b3, mixed, { recursive: true });
    const rejected: string[] = [];
    const r = proveRun(tinyPolicy, run, mixed, { backend, hash: 'poseidon2', onProgress: (p) => p.rejected && rejected.push(p.rejected) });
    expect(r).toMatchObject({ proved: 3, kept: 0 });
    expect(rejected).toEqual(Array(3).fill('made with the blake3 hash configuration, not poseidon2 as asked'));
    const again = proveRun(tinyPolicy, run, mixed, { backend, hash: 'poseidon2' });
    expect(again).toMatchObject({ proved: 0, kept: 3 });
    // A flipped byte in a Poseidon2 proof is rejected like a BLAKE3 one.
    const path = join(mixed, 'step-000001.zproof');
    const proof = decodeProofFile(readFileSync(path));
    const bytes = Buffer.from(proof.stark, 'base64');
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(path, encodeProofFile({ ...proof, stark: bytes.toString('base64') }));
    expect(verifyDir(tinyPolicy, mixed).ok).toBe(false);
  }, 300_000);

  it('a queue job carries the configuration: its worker proves in it, and the run\'s job ids are not the BLAKE3 run\'s', () => {
    const out = join(base, 'queued');
    const plan = planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, out), run, out, 'poseidon2');
    expect(plan.children.every((c) => c.hash === 'poseidon2') && plan.parent.hash === 'poseidon2').toBe(true);
    expect(plan.key).not.toBe(planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, out), run, out).key);
    const r = runProofJob(plan.children[0]!, new JobCache(), backend, 'test');
    expect(r.action).toBe('proved');
    const proof = decodeProofFile(readFileSync(join(out, 'genesis.zproof')));
    expect(proof.hash).toBe('poseidon2');
    expect(verifyProofFile(tinyPolicy, proof).ok).toBe(true);
    expect(() => runProofJob({ ...plan.children[0]!, hash: 'sha256' as never }, new JobCache(), backend, 'test')).toThrow(/not a zpol proof job: hash "sha256"/);
  }, 120_000);
});
