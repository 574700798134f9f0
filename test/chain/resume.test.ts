// Resume is safe, and reports state only what verified (#15).
//
// `zpol prove` into a folder that already holds proofs keeps a proof only when it is the one this run proves there
// (it parses, it is this policy's and this program's, its kind and step are its file name's, its public words are
// the ones the prover recomputes by execution, and its STARK proof verifies); any other file is reported, with its
// name and why, and proven again. A verification report of a chain that does not verify reveals nothing: its
// figures are listed apart, marked unverified, in text and JSON.
//
// Proving dominates: the demo's smallest run (one step) is proven once (genesis, step 1, attestation); each case
// copies the proofs and spoils one file, so each re-proves exactly one proof.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { proveRun, verifyDir, type ProveProgress } from '../../runtime/chain/run-prover.ts';
import { recordDemoRun } from '../../demo/record.ts';
import { selectBackend } from '../../gpu/index.ts';
import { formatChainReport, proveFromCli } from '../../cli/chain.ts';

const POLICY = 'policies/demo.zpol';
const policy = (() => {
  const r = compileFile(POLICY);
  if (!r.ok) throw new Error(`${POLICY} does not compile`);
  return r;
})();

let base: string;
let run: string;
let proofs: string;
const original = new Map<string, string>();
// The CLI's default backend (native when built); proofs are the same bytes on every backend.
const backend = selectBackend('auto');

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'zpol-resume-'));
  run = join(base, 'run');
  proofs = join(base, 'proofs');
  recordDemoRun(run, 1, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
  expect(proveRun(policy, run, proofs, { backend })).toEqual({ proved: 3, kept: 0, steps: 1 });
  for (const f of readdirSync(proofs)) original.set(f, readFileSync(join(proofs, f), 'latin1'));
}, 600_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

let copies = 0;
/** A copy of the proofs, with `spoil` applied. */
function copy(spoil: (dir: string) => void): string {
  const dir = join(base, `case-${copies++}`);
  cpSync(proofs, dir, { recursive: true });
  spoil(dir);
  return dir;
}

/** proveRun into `dir`, with what it did per file: `genesis.zproof kept`, `step-000001.zproof proved (rejected: …)`. */
function resume(dir: string, runDir = run): { result: ReturnType<typeof proveRun>; events: string[]; rejected: Map<string, string> } {
  const events: string[] = [];
  const rejected = new Map<string, string>();
  const name = (p: ProveProgress) => (p.kind === 'step' ? `step-${String(p.step).padStart(6, '0')}.zproof` : `${p.kind}.zproof`);
  const result = proveRun(policy, runDir, dir, {
    backend,
    onProgress: (p) => {
      events.push(`${name(p)} ${p.action}`);
      if (p.rejected !== undefined) rejected.set(name(p), p.rejected);
    },
  });
  return { result, events, rejected };
}

const files = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));

describe('zpol prove into a folder that holds proofs', () => {
  it('keeps intact proofs without proving anything', () => {
    const dir = copy(() => {});
    const { result, events, rejected } = resume(dir);
    expect(result).toEqual({ proved: 0, kept: 3, steps: 1 });
    expect(events).toEqual(['genesis.zproof kept', 'step-000001.zproof kept', 'attestation.zproof kept']);
    expect(rejected.size).toBe(0);
  });

  it('a corrupt byte: reported (file and why, on stderr and in the text) and proven again, to the same bytes', async () => {
    const dir = copy((d) => {
      const file = join(d, 'genesis.zproof');
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1]! ^= 1; // a byte of the STARK proof, which takes most of the file
      writeFileSync(file, bytes);
    });
    const stderr: string[] = [];
    const stdout: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    let r;
    try {
      r = await proveFromCli(POLICY, run, dir, {}, (line) => stdout.push(line));
    } finally {
      spy.mockRestore();
    }
    expect(r.exitCode).toBe(0);
    expect(stderr).toEqual([expect.stringMatching(new RegExp(`^zpol: ${dir}/genesis\\.zproof: not kept: stark: .+; proven again\\n$`))]);
    expect(stdout[0]).toMatch(/^ {2}genesis: proven in \d+\.\d s \(replaces a rejected file\)$/);
    expect(stdout.at(-1)).toMatch(/^1 proof written \(1 replacing a bad file\), 2 kept, to /);
    expect(r.report.proofs.map((p) => `${p.file} ${p.action}${p.rejected ? ' (rejected)' : ''}`)).toEqual(['genesis.zproof proved (rejected)', 'step-000001.zproof kept', 'attestation.zproof kept']);
    expect(files(dir)).toEqual(Object.fromEntries(original));
  });

  it('a truncated file: reported in the JSON report and proven again', async () => {
    const dir = copy((d) => writeFileSync(join(d, 'attestation.zproof'), original.get('attestation.zproof')!.slice(0, 500), 'latin1'));
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    let r;
    try {
      r = await proveFromCli(POLICY, run, dir, {}, null);
    } finally {
      spy.mockRestore();
    }
    expect(r.exitCode).toBe(0);
    expect(r.report).toMatchObject({ ok: true, proved: 1, kept: 2 });
    expect(r.report.proofs.at(-1)).toMatchObject({ file: 'attestation.zproof', action: 'proved', rejected: expect.stringMatching(/^stark: \d+ bytes from byte \d+, but the file ends at 500 \(cut short\?\)$/) });
    expect(stderr.join('')).toMatch(/attestation\.zproof: not kept: stark: \d+ bytes from byte \d+, but the file ends at 500/);
    expect(files(dir)).toEqual(Object.fromEntries(original));
  });

  it("a proof of another run (another prover key): its public inputs are not this run's; proven again", () => {
    // This folder's genesis is the first run's; the run proven into it has another prover key.
    const other = join(base, 'other-run');
    cpSync(run, other, { recursive: true });
    writeFileSync(join(other, 'prover.key'), new Uint8Array(32).fill(9));
    const dir = copy(() => {});
    const { events, rejected } = (() => {
      const events: string[] = [];
      const rejected = new Map<string, string>();
      proveRun(policy, other, dir, {
        backend,
        steps: { from: 0, to: 0 }, // genesis alone: one proof
        onProgress: (p) => {
          events.push(`${p.kind} ${p.action}`);
          if (p.rejected) rejected.set(p.kind, p.rejected);
        },
      });
      return { events, rejected };
    })();
    expect(events).toEqual(['genesis proved']);
    expect(rejected.get('genesis')).toMatch(/^publicInputs\[0\] \(spec commitment\): not this run's \(the file has [0-9a-f]{16}…, this run [0-9a-f]{16}…\): a proof of another run/);
    const replaced = readFileSync(join(dir, 'genesis.zproof'), 'latin1');
    expect(replaced).not.toBe(original.get('genesis.zproof'));
    // The new genesis is the other run's: kept when that run resumes.
    const again: string[] = [];
    proveRun(policy, other, dir, { backend, steps: { from: 0, to: 0 }, onProgress: (p) => again.push(`${p.kind} ${p.action}${p.rejected ? ' (rejected)' : ''}`) });
    expect(again).toEqual(['genesis kept']);
  });

  it("a proof of another step under this step's name: reported as such and proven again", () => {
    const dir = copy((d) => writeFileSync(join(d, 'step-000001.zproof'), original.get('genesis.zproof')!, 'latin1'));
    const { result, events, rejected } = resume(dir);
    expect(result).toEqual({ proved: 1, kept: 2, steps: 1 });
    expect(events).toEqual(['genesis.zproof kept', 'step-000001.zproof proved', 'attestation.zproof kept']);
    expect(rejected.get('step-000001.zproof')).toBe('holds the genesis proof, not a proof of step 1 as its name says');
    expect(files(dir)).toEqual(Object.fromEntries(original));
  });
});

describe('zpol verify of a chain with one forged step', () => {
  it('reveals nothing: the figures are listed apart, marked not verified, in text and JSON', () => {
    const honest = verifyDir(policy, proofs);
    expect(honest.ok).toBe(true);
    expect(honest.revealed.map((v) => v.name)).toEqual(['spec.arch', 'spec.datasets', 'total_compute']);
    expect(honest.unverified).toEqual([]);
    expect(formatChainReport(honest, proofs)).toMatch(/^ {2}revealed total_compute = \d+ FLOP$/m);

    // Step 1's STARK proof with one byte changed: genesis and the attestation still verify alone.
    const dir = copy((d) => {
      const file = join(d, 'step-000001.zproof');
      const bytes = readFileSync(file);
      bytes[bytes.length - 100]! ^= 1; // in its STARK proof, the file's last bytes
      writeFileSync(file, bytes);
    });
    const forged = verifyDir(policy, dir);
    expect(forged.ok).toBe(false);
    expect(forged.proofs.filter((p) => !p.ok).map((p) => p.name)).toEqual(['step-000001.zproof']);
    expect(forged.claims).toEqual([]);
    expect(forged.revealed).toEqual([]);
    expect(forged.unverified.map((v) => `${v.name} = ${v.text}`)).toEqual(honest.revealed.map((v) => `${v.name} = ${v.text}`));
    // Text: no line says 'revealed'; every figure sits under the 'not verified' heading and says so itself.
    const text = formatChainReport(forged, dir);
    expect(text).not.toMatch(/revealed/);
    const lines = text.split('\n');
    const heading = lines.findIndex((l) => /^ {2}not verified: the chain does not verify/.test(l));
    expect(heading).toBeGreaterThan(0);
    expect(lines.slice(heading + 1, heading + 4)).toEqual([
      expect.stringMatching(/^ {4}spec\.arch = mlp \(not verified\)$/),
      expect.stringMatching(/^ {4}spec\.datasets = \[[0-9a-f]{64}, [0-9a-f]{64}\] \(not verified\)$/),
      expect.stringMatching(/^ {4}total_compute = \d+ FLOP \(not verified\)$/),
    ]);
    for (const l of lines) if (/FLOP/.test(l) && !/^ {2}security:/.test(l)) expect(l).toMatch(/\(not verified\)$/);
    expect(lines.at(-1)).toBe('verdict: the chain does NOT verify');
    // JSON (what verify --format json prints): no revealed value; the figures under 'unverified'.
    const json = JSON.parse(JSON.stringify(forged));
    expect(json).toMatchObject({ ok: false, claims: [], revealed: [], unverified: [{ name: 'spec.arch' }, { name: 'spec.datasets' }, { name: 'total_compute' }] });
  });
});
