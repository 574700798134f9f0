// The chain verifier never throws on untrusted input (#14). One small honest chain is proven once (genesis, a
// step and the attestation of test/fixtures/policies/proof_fuzz.zpol, whose genesis outputs a public int and a
// public enum and whose attestation outputs a ratio and an enum; one step, not two, because proving dominates the
// file's time and test/chain/chain.test.ts checks the links between steps); then every field of every proof file is
// mutated (values, lengths, JSON types, kinds, step numbers, digests, public words, the STARK bytes at positions a
// seeded PRNG picks, the header and the end included) and so are the files as a whole (dropped, duplicated,
// swapped). Each mutation must come back as a rejection with a message, never as an exception.
//
// The work is kept small rather than timed: a proof checked alone costs tens of milliseconds, the chain four
// times that, so mutations that the file's own check must reject are verified alone (checkProof looks at one
// file at a time, so a file rejected alone is rejected in every chain), and only those that need the other files
// to be caught (step numbers, whole files) are verified as a chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { num, type Value } from '../../language/checker/values.ts';
import { T, type Type } from '../../language/checker/types.ts';
import type * as A from '../../language/ast.ts';
import type { RecordValues, RunValue } from '../../compiler/witness.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { verifyChain, type ChainReport } from '../../runtime/chain/verifier.ts';
import * as PW from '../../runtime/policy/public-words.ts';
import { valueType } from '../../compiler/value-types.ts';
import { encodeProofFile, parseProofFile, type ProofFile } from '../../runtime/chain/proof-file.ts';
import { proofFileName, verifyDir } from '../../runtime/chain/run-prover.ts';
import { root, zpol } from '../helpers.ts';

const policyPath = join(root, 'test/fixtures/policies/proof_fuzz.zpol');
const policy: Extract<CompileResult, { ok: true }> = (() => {
  const r = compileFile(policyPath);
  if (!r.ok) throw new Error(r.error ?? 'the fuzz fixture does not compile');
  return r;
})();
const archType = (() => {
  const f = policy.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : [])).find((x) => x.name.name === 'arch')!;
  const t = policy.root.checker.resolveType(f.type);
  if (t.kind !== 'enum') throw new Error('arch is not an enum');
  return t;
})();
const ratioType = (() => {
  const d = policy.root.ast.decls.find((x): x is A.ClauseDecl => x.kind === 'ClauseDecl' && x.name.name === 'web_fraction')!;
  return policy.root.checker.types.get(d.value)!;
})();

const int = (n: number): Value => num(BigInt(n));
/** Public words read by a checker type, through the artifact's ValueType, as the verifier reads them. */
const describeWords = (t: Type, words: readonly number[][]) => PW.describeWords(valueType(t), words);
const readWords = (t: Type, words: readonly number[][]) => PW.readWords(valueType(t), words);
const spec: RecordValues = new Map<string, RunValue>([
  ['budget', int(1000)],
  ['arch', { kind: 'enum', decl: archType.decl, member: 'mlp' }],
  ['note', int(5)],
]);
const stepRecord = (tokens: number, web: number): RecordValues =>
  new Map<string, RunValue>([
    ['tokens', int(tokens)],
    ['web', int(web)],
  ]);

type Files = { name: string; proof: ProofFile }[];
/** Files as verifyChain receives them from a caller that has not checked them (the mutations break the types). */
const untyped = (files: { name: string; proof: unknown }[]) => files as unknown as Files;

/** A deterministic PRNG (mulberry32): the same positions every run, so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const mutated = { files: 0, chains: 0, ms: 0 };

/**
 * Verifies `proof` alone and returns what is wrong with the outcome (null when the file is rejected with a
 * message, as every mutation must be).
 */
function fileOutcome(name: string, proof: unknown): string | null {
  const t0 = performance.now();
  let report: ChainReport;
  try {
    report = verifyChain(policy, untyped([{ name, proof }]));
  } catch (e) {
    return `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  } finally {
    mutated.files++;
    mutated.ms += performance.now() - t0;
  }
  const check = report.proofs[0];
  if (!check) return 'no check reported';
  if (check.ok) return 'accepted';
  // The verifier catches its own exceptions as ZV110: one here is an exception on untrusted input all the same.
  if (check.code === 'ZV110') return `threw (caught as ZV110): ${check.error}`;
  if (typeof check.error !== 'string' || check.error.length === 0) return 'rejected without a message';
  if (report.ok) return 'the report says ok';
  return null;
}

/** Verifies a whole chain and returns what is wrong with the outcome (null when rejected with a message). */
function chainOutcome(files: { name: string; proof: unknown }[]): string | null {
  const t0 = performance.now();
  let report: ChainReport;
  try {
    report = verifyChain(policy, untyped(files));
  } catch (e) {
    return `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  } finally {
    mutated.chains++;
    mutated.ms += performance.now() - t0;
  }
  if (report.ok) return 'accepted';
  const caught = report.proofs.find((p) => p.code === 'ZV110');
  if (caught) return `threw (caught as ZV110): ${caught.error}`;
  const messages = [...report.errors, ...report.proofs.filter((p) => !p.ok).map((p) => ({ code: p.code, message: p.error ?? '' }))];
  if (messages.length === 0 || messages.some((m) => m.message.length === 0 || !/^ZV\d{3}$/.test(m.code ?? ''))) return 'rejected without a message or a code';
  return null;
}

/** Base64 of `bytes` with `f` applied to a copy. */
function editBytes(b64: string, f: (b: Uint8Array) => Uint8Array): string {
  return Buffer.from(f(new Uint8Array(Buffer.from(b64, 'base64')))).toString('base64');
}

/** The hex word `w` with its digit `i` changed to another hex digit. */
function flipHexDigit(w: string, i: number, by: number): string {
  const d = (parseInt(w[i]!, 16) + 1 + (by % 15)) % 16;
  return w.slice(0, i) + d.toString(16) + w.slice(i + 1);
}

/** Whether `v` is a step number a file of `kind` may carry (whether it is the right one is the chain's business). */
const validStep = (kind: ProofFile['kind'], v: unknown) => Number.isSafeInteger(v) && (v as number) >= (kind === 'step' ? 1 : 0) && (kind !== 'genesis' || v === 0);

/** JSON values of every type, and nested ones, to put where a field is expected. */
const wrongTypes: unknown[] = [null, 0, -1, 7, 1.5, true, false, '', 'x', [], {}, [[]], { nested: { deeper: ['x', 1] } }];

describe('the chain verifier on mutated proof files', () => {
  let honest: { name: string; proof: ProofFile }[] = [];
  const byKind = (name: string) => honest.find((f) => f.name === name)!;

  beforeAll(() => {
    const prover = new ChainProver(policy, new Uint8Array(32).fill(3), spec);
    const g = prover.genesis();
    const s1 = prover.step(1, g.state, stepRecord(30, 9));
    const att = prover.attestation(1, s1.state);
    honest = [g.proof, s1.proof, att].map((proof) => ({ name: proofFileName(proof.kind, proof.step), proof }));
  }, 300_000);
  // For the record of what the fuzzing costs (not a pass/fail criterion).
  afterAll(() => console.log(`proof-fuzz: ${mutated.files} files verified alone, ${mutated.chains} chains, ${Math.round(mutated.ms)} ms verifying`));

  it('verifies the honest chain, each file alone too (so rejections below come from the mutations)', () => {
    const report = verifyChain(policy, honest);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.revealed).toEqual([
      { name: 'spec.budget', text: '1000 token', value: { value: '1000', unit: 'token' } },
      { name: 'spec.arch', text: 'mlp', value: 'mlp' },
      { name: 'web_fraction', text: '0.3', value: { value: '0.3', unit: '1' } },
      { name: 'architecture', text: 'mlp', value: 'mlp' },
    ]);
    for (const f of honest) expect(verifyChain(policy, [f]).proofs[0]).toMatchObject({ ok: true });
    // Byte round trip: what verifyDir reads.
    for (const f of honest) expect(parseProofFile(encodeProofFile(f.proof), f.name)).toEqual({ ok: true, value: f.proof });
  });

  it('rejects every mutation of every field of every file, alone, with a message', () => {
    const failures: string[] = [];
    const random = prng(14);
    const pick = (n: number) => Math.floor(random() * n);
    for (const { name, proof } of honest) {
      const tryFile = (label: string, p: unknown) => {
        const why = fileOutcome(name, p);
        if (why) failures.push(`${name} ${label}: ${why}`);
      };
      const set = (field: string, v: unknown) => ({ ...proof, [field]: v });
      const original = proof as unknown as Record<string, unknown>;

      // Every field: missing, and every wrong JSON type.
      for (const field of Object.keys(original)) {
        const { [field]: _, ...without } = original;
        tryFile(`without ${field}`, without);
        for (const v of wrongTypes) {
          if (field === 'step' && validStep(proof.kind, v)) continue; // wrong but valid numbers: the chain test below
          if (JSON.stringify(v) === JSON.stringify(original[field])) continue;
          tryFile(`${field} = ${JSON.stringify(v)}`, set(field, v));
        }
        tryFile(`${field} wrapped in a list`, set(field, [original[field]]));
      }
      tryFile('an extra field', { ...proof, extra: 1 });
      tryFile('a __proto__ field', JSON.parse(JSON.stringify(proof).replace('{', '{"__proto__":{"ok":true},')));
      for (const whole of wrongTypes) tryFile(`the file is ${JSON.stringify(whole)}`, whole);
      tryFile('the file is undefined', undefined);

      // Format and version.
      for (const v of ['zpol-proof2', 'ZPOL-PROOF', 'zpol-proof ', 'zpol']) tryFile(`format ${v}`, set('format', v));
      for (const v of [0, 1, 2, 3, 4, 5, 7, -1, 1.5, '6', 2 ** 53, Number.NaN, Infinity]) tryFile(`version ${v}`, set('version', v));

      // The hash configuration: the other one (the STARK proof does not verify in it), the default spelled out, and
      // near misses (the honest files are BLAKE3 and name none).
      for (const v of ['poseidon2', 'blake3', 'Poseidon2', 'poseidon2 ', 'sha256', '', ...wrongTypes]) tryFile(`hash ${JSON.stringify(v)}`, set('hash', v));

      // Segments: a whole-run file with segments added, and segmented files whose segments are malformed, out of
      // range, or well formed but made of this file's whole-run STARK proof (each must be rejected, never throw).
      const w0 = '0'.repeat(64);
      const entry = { pcStart: 0, pcEnd: 0, memStart: w0, memEnd: w0, io: [] as unknown[], stark: proof.stark };
      const segmented = (segments: unknown) => ({ ...proof, stark: '', segments });
      for (const v of wrongTypes) {
        tryFile(`segments ${JSON.stringify(v)} beside the stark`, set('segments', v));
        tryFile(`segments ${JSON.stringify(v)}`, segmented(v));
        tryFile(`a segment ${JSON.stringify(v)}`, segmented([entry, v]));
      }
      tryFile('two segments beside the stark', set('segments', [entry, entry]));
      tryFile(`${1025} segments`, segmented(Array.from({ length: 1025 }, () => entry)));
      const io = proof.publicInputs.length + proof.publicOutputs.length;
      const entries: [string, Record<string, unknown>][] = [
        ['as it is', {}],
        ['pcStart -1', { pcStart: -1 }],
        ['pcStart 1.5', { pcStart: 1.5 }],
        ['pcStart 2^53', { pcStart: 2 ** 53 }],
        ['pcEnd p', { pcEnd: 0x78000001 }],
        ['pcEnd 2^53 - 1', { pcEnd: 2 ** 53 - 1 }],
        ['pcStart "0"', { pcStart: '0' }],
        ['memStart p in lane 0', { memStart: `78000001${w0.slice(8)}` }],
        ['memEnd in upper case', { memEnd: 'AB'.repeat(32) }],
        ['memStart short', { memStart: w0.slice(2) }],
        ['io [-1]', { io: [-1] }],
        ['io [1.5]', { io: [1.5] }],
        ['io [2^53]', { io: [2 ** 53] }],
        [`io [${io}]`, { io: [io] }],
        ['io every word twice', { io: [...Array.from({ length: io }, (_, i) => i), ...Array.from({ length: io }, (_, i) => i)] }],
        ['io every word', { io: Array.from({ length: io }, (_, i) => i) }],
        ['io "0"', { io: '0' }],
        ['stark empty', { stark: '' }],
        ['stark not base64', { stark: '!!!!' }],
        ['stark truncated', { stark: editBytes(proof.stark, (b) => b.slice(0, 40)) }],
        ['an extra field', { extra: 1 }],
      ];
      for (const [label, change] of entries) {
        tryFile(`segment 0 ${label}`, segmented([{ ...entry, ...change }, entry]));
        tryFile(`segment 1 ${label}`, segmented([entry, { ...entry, ...change }]));
      }
      const { pcStart: _pc, ...noPc } = entry;
      tryFile('a segment without pcStart', segmented([entry, noPc]));

      // Kinds: each other kind, and near misses.
      for (const k of ['genesis', 'step', 'attestation', 'Genesis', 'steps', 'attest']) if (k !== proof.kind) tryFile(`kind ${k}`, set('kind', k));

      // Names and digests.
      for (const v of [`${proof.policy}x`, proof.policy.toUpperCase(), '', 'demo']) if (v !== proof.policy) tryFile(`policy ${JSON.stringify(v)}`, set('policy', v));
      for (const field of ['policyDigest', 'program'] as const) {
        const d = proof[field];
        for (const i of [0, 31, 63, pick(64)]) tryFile(`${field} digit ${i} changed`, set(field, flipHexDigit(d, i, pick(15))));
        for (const v of [d.slice(0, 63), `${d}0`, d.toUpperCase(), `0x${d}`, '', d.replace(/[0-9a-f]/, 'g')]) if (v !== d) tryFile(`${field} ${JSON.stringify(v.slice(0, 8))}…`, set(field, v));
      }

      // Step numbers the file's own check rejects (for steps and the attestation, numbers that are valid
      // but wrong are the chain's business: see the next test).
      const badSteps: unknown[] = [-1, -(2 ** 53), 1.5, Number.NaN, Infinity, -Infinity, 2 ** 53, '1', '0', null];
      if (proof.kind === 'genesis') badSteps.push(1, 2, 3, 1e15);
      if (proof.kind === 'step') badSteps.push(0);
      for (const v of badSteps) tryFile(`step ${String(v)}`, set('step', v));

      // Public words: every word's digits, lanes out of range, spellings, lengths; and the lists themselves.
      for (const field of ['publicInputs', 'publicOutputs'] as const) {
        const words = proof[field];
        const withWord = (i: number, v: unknown) => set(field, words.map((w, j) => (j === i ? v : w)));
        words.forEach((w, i) => {
          for (const d of [0, 7, 8, 63, pick(64), pick(64)]) tryFile(`${field}[${i}] digit ${d} changed`, withWord(i, flipHexDigit(w, d, pick(15))));
          // 70000 = 0x11170 in lane 0 (not a 16-bit limb), p and 2^32 − 1 in other lanes (not field elements).
          tryFile(`${field}[${i}] lane 0 = 70000`, withWord(i, `00011170${w.slice(8)}`));
          tryFile(`${field}[${i}] lane 3 = p`, withWord(i, `${w.slice(0, 24)}78000001${w.slice(32)}`));
          tryFile(`${field}[${i}] lane 7 = 2^32 - 1`, withWord(i, `${w.slice(0, 56)}ffffffff`));
          tryFile(`${field}[${i}] zero`, withWord(i, '0'.repeat(64)) /* the honest words are not all zero */);
          for (const v of [w.slice(0, 62), `${w}00`, `0x${w}`, w.toUpperCase(), ` ${w.slice(1)}`, `${w.slice(0, 63)}g`, '', 'zz'.repeat(32), null, 0, [w], { w }]) {
            if (v !== w) tryFile(`${field}[${i}] = ${JSON.stringify(v)?.slice(0, 12)}`, withWord(i, v));
          }
        });
        tryFile(`${field} empty`, set(field, []));
        tryFile(`${field} without its last word`, set(field, words.slice(0, -1)));
        tryFile(`${field} without its first word`, set(field, words.slice(1)));
        tryFile(`${field} with a word more`, set(field, [...words, words[0]!]));
        tryFile(`${field} with a zero word more`, set(field, [...words, '0'.repeat(64)]));
        tryFile(`${field} of 100,000 words`, set(field, Array.from({ length: 100_000 }, () => words[0]!)));
        if (words.length > 1) tryFile(`${field} reversed`, set(field, [...words].reverse()));
      }
      // Inputs and outputs exchanged.
      tryFile('publicInputs and publicOutputs exchanged', { ...proof, publicInputs: proof.publicOutputs, publicOutputs: proof.publicInputs });

      // The STARK proof: bytes flipped in the header (magic, version, table count, heights, roots), the end (the
      // last PCS openings) and anywhere, at positions the PRNG picks; truncated, extended; the base64 itself.
      const n = Buffer.from(proof.stark, 'base64').length;
      const positions = new Set<number>([0, 3, 4, 5, 6, 7, 8, n - 1, n - 2]);
      while (positions.size < 18) positions.add(6 + pick(64)); // heights and the first roots
      while (positions.size < 26) positions.add(n - 1 - pick(64));
      while (positions.size < 44) positions.add(pick(n));
      for (const at of positions) {
        const mask = 1 << pick(8);
        tryFile(`stark byte ${at} ^= ${mask}`, set('stark', editBytes(proof.stark, (b) => ((b[at]! ^= mask), b))));
      }
      tryFile('stark byte 5 (table count) = 255', set('stark', editBytes(proof.stark, (b) => ((b[5] = 255), b))));
      tryFile('stark byte 6 (a log height) = 0', set('stark', editBytes(proof.stark, (b) => ((b[6] = 0), b))));
      tryFile('stark byte 6 (a log height) = 255', set('stark', editBytes(proof.stark, (b) => ((b[6] = 255), b))));
      for (const len of [0, 1, 4, 5, 6, 7, 40, 200, n >> 1, n - 100, n - 4, n - 1, pick(n), pick(n)]) {
        tryFile(`stark truncated to ${len} bytes`, set('stark', editBytes(proof.stark, (b) => b.slice(0, len))));
      }
      tryFile('stark with a zero byte more', set('stark', editBytes(proof.stark, (b) => Uint8Array.from([...b, 0]))));
      tryFile('stark with four bytes more', set('stark', editBytes(proof.stark, (b) => Uint8Array.from([...b, 1, 2, 3, 4]))));
      tryFile('stark twice', set('stark', editBytes(proof.stark, (b) => Uint8Array.from([...b, ...b]))));
      tryFile('stark all zero', set('stark', editBytes(proof.stark, (b) => new Uint8Array(b.length))));
      const s = proof.stark;
      for (const at of [0, 1, s.length - 1, s.length - 2, pick(s.length), pick(s.length)]) {
        tryFile(`stark char ${at} = "!"`, set('stark', s.slice(0, at) + '!' + s.slice(at + 1)));
        const c = s[at] === 'A' ? 'B' : 'A';
        tryFile(`stark char ${at} = ${c}`, set('stark', s.slice(0, at) + c + s.slice(at + 1)));
      }
      const spellings: [string, string][] = [
        ['without its last character', s.slice(0, -1)],
        ['without its last 2 characters', s.slice(0, -2)],
        ['without its last 3 characters', s.slice(0, -3)],
        ['with "=" appended', `${s}=`],
        ['with "AAAA" appended', `${s}AAAA`],
        ['with a line break', `${s.slice(0, 76)}\n${s.slice(76)}`],
        ['with a leading space', ` ${s}`],
        ['without padding', s.replace(/=+$/, '')],
        ['in the URL alphabet', s.replaceAll('+', '-').replaceAll('/', '_')],
      ];
      for (const [label, v] of spellings) if (v !== s) tryFile(`stark ${label}`, set('stark', v));
      // Another file's STARK proof.
      for (const other of honest) if (other.name !== name) tryFile(`stark of ${other.name}`, set('stark', other.proof.stark));
    }
    // Bytes: a file cut anywhere, a byte flipped in its first bytes or header, bytes added, and other documents.
    for (const { name, proof } of honest) {
      const bytes = Buffer.from(encodeProofFile(proof));
      const headerEnd = 16 + bytes.readUInt32LE(12);
      const random2 = prng(name.length);
      const flipped = (at: number) => {
        const b = Buffer.from(bytes);
        b[at] = b[at]! ^ (1 + Math.floor(random2() * 255));
        return b;
      };
      const files: Buffer[] = [
        ...Array.from({ length: 10 }, () => bytes.subarray(0, Math.floor(random2() * (bytes.length - 1)))),
        ...Array.from({ length: 16 }, (_, k) => flipped(k)),
        ...Array.from({ length: 24 }, () => flipped(16 + Math.floor(random2() * (headerEnd - 16)))),
        ...['', ' ', 'null', '[]', '"zpol-proof"', '{}', '{"format":"zpol-proof","version":8}', 'zpol-proof\n'].map((t) => Buffer.from(t)),
        Buffer.concat([bytes, Buffer.from('x')]),
        Buffer.concat([Buffer.from('\ufeff'), bytes]),
      ];
      for (const b of files) {
        const parsed = parseProofFile(b, name);
        if (!parsed.ok) {
          if (!parsed.error.startsWith(`${name}: `)) failures.push(`${name} bytes ${JSON.stringify(b.subarray(0, 20).toString('latin1'))}: message does not name the file: ${parsed.error}`);
        } else {
          const why = fileOutcome(name, parsed.value);
          if (why) failures.push(`${name} bytes ${JSON.stringify(b.subarray(0, 20).toString('latin1'))}: ${why}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(mutated.files).toBeGreaterThan(1000);
  });

  it('rejects wrong step numbers, and dropped, duplicated and exchanged files, as a chain', () => {
    const failures: string[] = [];
    const replace = (name: string, proof: unknown) => honest.map((f) => (f.name === name ? { name, proof } : f));
    const tryChain = (label: string, files: { name: string; proof: unknown }[]) => {
      const why = chainOutcome(files);
      if (why) failures.push(`${label}: ${why}`);
    };
    const [g, s1, att] = [proofFileName('genesis', 0), proofFileName('step', 1), proofFileName('attestation', 1)].map(byKind) as [Files[0], Files[0], Files[0]];
    for (const k of [2, 3, 1e15, 2 ** 53 - 1]) tryChain(`step 1 numbered ${k}`, replace(s1.name, { ...s1.proof, step: k }));
    for (const k of [0, 2, 3, 1e15]) tryChain(`attestation after step ${k}`, replace(att.name, { ...att.proof, step: k }));
    tryChain('the step numbered 2 and the attestation after it', [g, { ...s1, proof: { ...s1.proof, step: 2 } }, { ...att, proof: { ...att.proof, step: 2 } }]);
    tryChain('genesis and step exchange public inputs', [{ ...g, proof: { ...g.proof, publicInputs: s1.proof.publicInputs } }, { ...s1, proof: { ...s1.proof, publicInputs: g.proof.publicInputs } }, att]);
    tryChain('genesis and step exchange STARK proofs', [{ ...g, proof: { ...g.proof, stark: s1.proof.stark } }, { ...s1, proof: { ...s1.proof, stark: g.proof.stark } }, att]);
    tryChain('genesis and attestation exchange kinds', [{ ...g, proof: { ...g.proof, kind: 'attestation' } }, s1, { ...att, proof: { ...att.proof, kind: 'genesis' } }]);
    tryChain('genesis and attestation exchange programs', [{ ...g, proof: { ...g.proof, program: att.proof.program } }, s1, { ...att, proof: { ...att.proof, program: g.proof.program } }]);
    for (const f of [g, s1]) tryChain(`without ${f.name}`, honest.filter((x) => x !== f));
    for (const f of honest) tryChain(`${f.name} twice`, [...honest, { name: `copy-${f.name}`, proof: f.proof }]);
    for (const f of honest) for (const other of honest) if (f !== other) tryChain(`${f.name} in place of ${other.name}`, replace(other.name, f.proof));
    tryChain('no files', []);
    tryChain('only the attestation', [att]);
    tryChain('only the step', [s1]);
    tryChain('a mutated file among honest ones (stark byte flipped)', replace(s1.name, { ...s1.proof, stark: editBytes(s1.proof.stark, (b) => ((b[1000] ^= 4), b)) }));
    tryChain('a mutated file among honest ones (JSON null)', replace(att.name, null));
    expect(failures).toEqual([]);
    // A chain without its attestation is a valid prefix (a run still being proven): it verifies and reveals
    // only the public spec fields, no outputs.
    const prefix = verifyChain(policy, [g, s1]);
    expect(prefix.ok).toBe(true);
    expect(prefix.revealed.map((r) => r.name)).toEqual(['spec.budget', 'spec.arch']);
    // Names are labels: the verifier orders by what the files say, so exchanging two names changes nothing.
    expect(verifyChain(policy, [{ ...g, name: s1.name }, { ...s1, name: g.name }, att]).ok).toBe(true);
  });

  it('rejects a public output that is no value of its type (a limb of 70000, a zero denominator, an enum index out of range) naming the file and the field', () => {
    const [g, , att] = honest as [Files[0], Files[0], Files[0]];
    const withOutput = (f: Files[0], i: number, w: string) => ({ name: f.name, proof: { ...f.proof, publicOutputs: f.proof.publicOutputs.map((x, j) => (j === i ? w : x)) } });
    const zero = '0'.repeat(64);
    const cases: [{ name: string; proof: ProofFile }, RegExp][] = [
      // The bug-4 forgery: spec.budget (genesis output 1) with 70000 in lane 0.
      [withOutput(g, 1, `00011170${g.proof.publicOutputs[1]!.slice(8)}`), /^publicOutputs\[1\] \(spec\.budget\): lane 0 holds 70000, not a 16-bit limb$/],
      [withOutput(g, 1, `${'0'.repeat(56)}00010000`), /^publicOutputs\[1\] \(spec\.budget\): lane 7 holds 65536/],
      [withOutput(g, 2, `00000007${'0'.repeat(56)}`), /^publicOutputs\[2\] \(spec\.arch\): \[7, 0, 0, 0, 0, 0, 0, 0\] is not a member of ArchClass \(indices 0\.\.6/],
      [withOutput(g, 2, `00000006${'0'.repeat(48)}00000001`), /^publicOutputs\[2\] \(spec\.arch\): .* is not a member of ArchClass/],
      [withOutput(att, 1, zero), /^publicOutputs\[0\.\.1\] \(web_fraction\): denominator 0$/],
      [withOutput(att, 0, `00011170${'0'.repeat(56)}`), /^publicOutputs\[0\.\.1\] \(web_fraction\): numerator: lane 0 holds 70000/],
      [withOutput(att, 2, `0000ffff${'0'.repeat(56)}`), /^publicOutputs\[2\] \(architecture\): .* is not a member of ArchClass/],
    ];
    for (const [file, message] of cases) {
      const chain = honest.map((f) => (f.name === file.name ? file : f));
      const report = verifyChain(policy, chain);
      expect(report.ok).toBe(false);
      const check = report.proofs.find((p) => p.name === file.name)!;
      expect(check.ok).toBe(false);
      expect(check.error).toMatch(message);
    }
    // The outputs of a proof checked before its STARK proof: the words are no value, whatever the proof.
    const forged = withOutput(g, 1, `00011170${g.proof.publicOutputs[1]!.slice(8)}`);
    expect(verifyChain(policy, [forged, ...honest.slice(1)]).errors).toEqual([{ code: 'ZV201', message: 'no valid genesis proof (rejected: genesis.zproof)' }]);
  });

  it('an exception inside the check of one proof is caught, reported as internal, and does not stop the others', () => {
    const [g, s1, att] = honest as [Files[0], Files[0], Files[0]];
    const hostile = new Proxy(s1.proof, {
      get(target, key, receiver) {
        if (key === 'stark') throw new Error('a getter that throws');
        return Reflect.get(target, key, receiver);
      },
    });
    const report = verifyChain(policy, [g, { name: s1.name, proof: hostile }, att]);
    expect(report.ok).toBe(false);
    expect(report.proofs.map((p) => p.ok)).toEqual([true, false, true]);
    expect(report.proofs[1]!.error).toMatch(/^internal error caught while verifying this proof \(please report it\): a getter that throws$/);
    expect(report.proofs[1]!.code).toBe('ZV110');
    expect(report.errors).toEqual([
      { code: 'ZV208', message: 'the attestation (attestation.zproof) does not start from the state of step 0' },
      { code: 'ZV208', message: 'the attestation (attestation.zproof) says it follows step 1, the chain ends at step 0' },
    ]);
  });

  it('zpol verify reports unreadable and forged files with exit status 1, naming each file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-fuzz-'));
    const [g, s1, att] = honest as [Files[0], Files[0], Files[0]];
    const forged: ProofFile = { ...g.proof, publicOutputs: g.proof.publicOutputs.map((x, j) => (j === 1 ? `00011170${x.slice(8)}` : x)) };
    writeFileSync(join(dir, g.name), encodeProofFile(forged));
    for (const f of [s1, att]) writeFileSync(join(dir, f.name), encodeProofFile(f.proof));
    writeFileSync(join(dir, 'empty.zproof'), '');
    writeFileSync(join(dir, 'list.zproof'), '[1, 2]');
    // A header whose publicInputs are [null], its length fixed so that only that is wrong.
    const honestBytes = Buffer.from(encodeProofFile(s1.proof));
    const header = honestBytes.toString('utf8', 16, 16 + honestBytes.readUInt32LE(12)).replace(/"publicInputs":\[[^\]]*\]/, '"publicInputs":[null]');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(Buffer.byteLength(header));
    writeFileSync(join(dir, 'nulls.zproof'), Buffer.concat([honestBytes.subarray(0, 12), length, Buffer.from(header), honestBytes.subarray(16 + honestBytes.readUInt32LE(12))]));
    mkdirSync(join(dir, 'folder.zproof'));
    // A proof file of the JSON format (versions ≤ 8), by its name; other JSON files are not proof files.
    writeFileSync(join(dir, 'step-000002.json'), '{"format": "zpol-proof", "version": 8}');
    writeFileSync(join(dir, 'notes.json'), '{}');
    const report = verifyDir(policy, dir);
    expect(report.ok).toBe(false);
    expect(report.unreadable).toEqual([
      'empty.zproof: not a zpol proof file (it does not start with "zpol-proof\\n")',
      expect.stringMatching(/^folder\.zproof: cannot read \(not a regular file\)/),
      'list.zproof: not a zpol proof file (it does not start with "zpol-proof\\n")',
      'nulls.zproof: publicInputs[0] must be a string of hex digits',
      'step-000002.json: a JSON proof file of version 8, by an older zpol; this zpol reads binary proof files of version 10 (*.zproof): prove the run again',
    ]);
    const r = zpol(['verify', policyPath, dir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}genesis\.zproof: REJECTED ZV106: publicOutputs\[1\] \(spec\.budget\): lane 0 holds 70000, not a 16-bit limb$/m);
    expect(r.stdout).toMatch(/^ {2}unreadable ZV111: empty\.zproof: not a zpol proof file/m);
    expect(r.stdout).toMatch(/^ {2}unreadable ZV111: folder\.zproof: cannot read/m);
    expect(r.stdout).toMatch(/^ {2}unreadable ZV111: step-000002\.json: a JSON proof file of version 8/m);
    expect(r.stdout).toMatch(/^ {2}chain: ZV201: no valid genesis proof \(rejected: genesis\.zproof\)$/m);
    expect(r.stdout).toMatch(/^verdict: the chain does NOT verify$/m);
  }, 60_000);
});

describe('reading public words', () => {
  const w = (...lanes: number[]) => [...lanes, ...new Array<number>(8 - lanes.length).fill(0)];
  const tokens = policy.root.checker.resolveType(
    policy.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : [])).find((x) => x.name.name === 'budget')!.type,
  );
  const pair: Type = { kind: 'array', element: T.int(), length: 2n };

  it('reads well-formed words as the policy writes the values', () => {
    expect(describeWords(tokens, [w(1000)])).toBe('1000 token');
    expect(describeWords(tokens, [w(0, 0, 0, 0, 0, 0, 0, 1)])).toBe('5.192296858534827628530496329220096e33 token');
    expect(readWords(tokens, [w(0, 0, 0, 0, 0, 0, 0, 1)])).toMatchObject({ ok: true, value: { value: `${2n ** 112n}`, unit: 'token' } });
    expect(describeWords(ratioType, [w(3), w(10)])).toBe('0.3');
    expect(describeWords(ratioType, [w(1), w(3)])).toBe('1/3');
    expect(describeWords(archType, [w(6)])).toBe('mlp');
    expect(describeWords(T.bool, [w(1)])).toBe('true');
    expect(describeWords(pair, [w(1), w(2)])).toBe('[1, 2]');
    expect(readWords(pair, [w(1), w(2)])).toMatchObject({ ok: true, value: [{ value: '1', unit: '1' }, { value: '2', unit: '1' }] });
    expect(readWords(ratioType, [w(1), w(3)])).toMatchObject({ ok: true, value: { value: '1/3', unit: '1' } });
    expect(readWords(T.bool, [w(1)])).toMatchObject({ ok: true, value: true });
  });

  it('marks words that are no value of the type instead of throwing', () => {
    const cases: [Type, unknown, RegExp][] = [
      [tokens, [w(70000)], /^<unreadable: lane 0 holds 70000, not a 16-bit limb>$/],
      [tokens, [w(0, 0, 0, 0, 0, 0, 0, 65536)], /lane 7 holds 65536/],
      [tokens, [w(-1)], /^<unreadable: word 0 is not 8 field elements>$/],
      [tokens, [w(0.5)], /word 0 is not 8 field elements/],
      [tokens, [w(Number.NaN)], /word 0 is not 8 field elements/],
      [tokens, [w(2013265921)], /word 0 is not 8 field elements/],
      [tokens, [[1, 2, 3]], /word 0 is not 8 field elements/],
      [tokens, ['0'.repeat(64)], /word 0 is not 8 field elements/],
      [tokens, [null], /word 0 is not 8 field elements/],
      [tokens, [], /^<unreadable: 1 word expected, got 0>$/],
      [tokens, [w(1), w(2)], /1 word expected, got 2/],
      [tokens, undefined, /1 word expected, got none/],
      [ratioType, [w(1), w(0)], /^<unreadable: denominator 0>$/],
      [ratioType, [w(1)], /2 words expected, got 1/],
      [ratioType, [w(1), w(70000)], /^<unreadable: denominator: lane 0 holds 70000/],
      [ratioType, [w(70000), w(1)], /^<unreadable: numerator: lane 0 holds 70000/],
      [archType, [w(7)], /^<unreadable: \[7, 0, 0, 0, 0, 0, 0, 0\] is not a member of ArchClass \(indices 0\.\.6 in lane 0\)>$/],
      [archType, [w(6, 1)], /is not a member of ArchClass/],
      [T.bool, [w(2)], /is not a bool/],
      [T.bool, [w(1, 0, 0, 5)], /is not a bool/],
      [pair, [w(1)], /2 words expected, got 1/],
      [pair, [w(1), w(70000)], /^<unreadable: element 1: lane 0 holds 70000/],
    ];
    for (const [t, words, message] of cases) {
      expect(() => describeWords(t, words as number[][])).not.toThrow();
      expect(describeWords(t, words as number[][])).toMatch(message);
      expect(readWords(t, words as number[][]).ok).toBe(false);
    }
  });
});
