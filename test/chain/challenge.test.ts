// An auditor's challenge of a family (runtime/chain/challenge.ts): drawn from the auditor's nonce after the step
// proof is published, answered from the run directory, checked against the proof's step record commitment. The
// cheating prover here re-commits until the Fiat–Shamir draw misses its wrong member (the re-roll the proof alone
// cannot stop); the auditor's challenge of that member catches it. Answers opening another member, other rows, a
// stale challenge's entries, another record or a challenge not drawn from its nonce are refused.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { encodeArtifact } from '../../compiler/artifact.ts';
import { num, type Value } from '../../language/checker/values.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { proverKey } from '../../runtime/chain/run-prover.ts';
import { answerAudit, auditSentence, checkAudit, drawChallenge, issueChallenge, type AuditAnswer, type Challenge } from '../../runtime/chain/challenge.ts';
import type { ProofFile } from '../../runtime/chain/proof-file.ts';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { bf16Dot, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { decodeRecord } from '../../runtime/policy/run-values.ts';
import { stepFile, type StepEnvelope } from '../../runtime/run/format.ts';
import { Recorder, RecorderError, stepTensors } from '../../runtime/run/recorder.ts';
import { drawMembers } from '../../runtime/run/sampling.ts';
import { commitMatrix } from '../../runtime/run/tensor-commit.ts';
import { encodeProofFile } from '../../runtime/chain/proof-file.ts';
import { proofFileName } from '../../runtime/chain/run-prover.ts';
import { zpol } from '../helpers.ts';
import { drawChallenges } from '../../cli/challenge.ts';

const tmp = mkdtempSync(join(tmpdir(), 'zpol-challenge-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const [M, K, N] = [4, 16, 8];
const L = 3;
writeFileSync(
  join(tmp, 'p.zpol'),
  `policy p version 1\nspec { m: int }\nstep { x: [digest; ${L}]\n w: [digest; ${L}]\n h: [digest; ${L}] }\n` +
    `verify up[l in 0..${L}] "layers" {\n a: step.x[l]\n b: step.w[l]\n c: step.h[l]\n dims: [${M}, ${K}, ${N}]\n tau: 1e-1\n f: 50%\n grinding: 8\n order: sequential\n rounding: bf16\n draws: 1\n}\n`,
);
const policy = compileFile(join(tmp, 'p.zpol')) as Extract<CompileResult, { ok: true }>;
if (!policy.ok) throw new Error('the test policy does not compile');
const check = policy.artifact.verifies[0]!;

const bf16 = (seed: number, n: number) => Uint16Array.from({ length: n }, (_, k) => 0x3f00 + ((seed * 7919 + k * 104729) % 0x100));
const product = (x: Uint16Array, wt: Uint16Array, wrong: boolean) =>
  Uint16Array.from({ length: M * N }, (_, e) => {
    const [i, j] = [Math.floor(e / N), e % N];
    const out = bf16Dot(x.subarray(i * K, (i + 1) * K), wt.subarray(j * K, (j + 1) * K), SEQUENTIAL).out;
    return wrong ? out ^ 1 : out;
  });

/**
 * A recorded and proven one-step run whose member `wrong` (if any) computes every entry off by one unit: the
 * prover commits again (another batch) until the step's Fiat–Shamir draw misses that member.
 */
function provenRun(name: string, wrong: number | null): { dir: string; proof: ProofFile; genesis: ProofFile } {
  let seed = 1;
  for (;;) {
    const xs = Array.from({ length: L }, (_, l) => bf16(seed * 10 + l, M * K));
    const ws = Array.from({ length: L }, (_, l) => bf16(100 + l, N * K));
    const hs = xs.map((x, l) => product(x, ws[l]!, l === wrong));
    const roots = xs.map((x, l) => ({ a: commitMatrix(x, M, K).root, b: commitMatrix(ws[l]!, N, K).root, c: commitMatrix(hs[l]!, M, N).root }));
    if (wrong !== null && drawMembers(roots, check.dims, check.samples, 1)[0] === wrong - 0) {
      seed++;
      continue;
    }
    const dir = join(tmp, name);
    const rec = Recorder.open(dir, 'p', { verify: { up: { a: 'x', b: 'w', c: 'h' } } });
    const tensors = Object.fromEntries(
      xs.flatMap((x, l) => [
        [`x${l}`, { field: `x[${l}]`, rows: M, cols: K, values: x }],
        [`w${l}t`, { field: `w[${l}]`, rows: N, cols: K, values: ws[l]!, transposed: true }],
        [`h${l}`, { field: `h[${l}]`, rows: M, cols: N, values: hs[l]! }],
      ]),
    );
    const envelope = rec.recordStep(1, {}, tensors);
    const prover = new ChainProver(policy, proverKey(dir), new Map([['m', num(1n) as Value]]));
    const g = prover.genesis();
    const record = decodeRecord(policy.artifact.records.step, envelope.record, 'step 1');
    return { dir, proof: prover.step(1, g.state, record, stepTensors(dir, envelope)).proof, genesis: g.proof };
  }
}

const honest = provenRun('honest', null);
const cheat = provenRun('cheat', 2);
const nonce = (n: number) => n.toString(16).padStart(64, '0');
const commitment = (p: ProofFile) => p.publicInputs[2]!;
/** The first of the nonces 1, 2, … whose challenge of step 1 of `run` draws `member`. */
const drawing = (member: number, run = honest): Challenge => {
  for (let n = 1; ; n++) {
    const c = drawChallenge(check, 1, commitment(run.proof), nonce(n));
    if (c.member === member) return c;
  }
};

describe("an auditor's challenge of a family", () => {
  it('is drawn from the nonce: the same nonce gives the same challenge, fresh ones reach every member', () => {
    const c = drawChallenge(check, 1, commitment(honest.proof), nonce(7));
    expect(drawChallenge(check, 1, commitment(honest.proof), nonce(7))).toEqual(c);
    expect(drawChallenge(check, 1, commitment(cheat.proof), nonce(7))).not.toEqual({ ...c, commitment: commitment(cheat.proof) });
    expect(c.samples).toHaveLength(check.samples);
    expect(c.samples.every(({ i, j }) => i >= 0 && i < M && j >= 0 && j < N)).toBe(true);
    const members = new Set(Array.from({ length: 60 }, () => issueChallenge(check, honest.proof).member));
    expect([...members].sort()).toEqual([0, 1, 2]);
    expect(() => drawChallenge(check, 1, commitment(honest.proof), 'ab')).toThrow(/64 lowercase hex digits/);
    expect(() => drawChallenge(check, 0, commitment(honest.proof), nonce(1))).toThrow(/numbered from 1/);
    expect(() => issueChallenge(check, honest.genesis)).toThrow(/challenges are of step proofs/);
  });

  it('is answered from the run and checks against the published proof, for every member', () => {
    expect(verifyChain(policy, [{ name: 'genesis', proof: honest.genesis }, { name: 'step-1', proof: honest.proof }]).proofs.every((p) => p.ok)).toBe(true);
    for (const member of [0, 1, 2]) {
      const c = drawing(member);
      const answer = answerAudit(honest.dir, c);
      expect(answer).toMatchObject({ step: 1, clause: 'up', member, nonce: c.nonce });
      expect(checkAudit(policy, honest.proof, c, answer)).toEqual([]);
    }
    expect(auditSentence(check, 2)).toMatch(/^2 steps challenged after the proofs were published, one of 3 members each, drawn by the auditor: a deviation in one member of a challenged step escapes its challenge with probability 0\.\d+/);
  });

  it("catches the member a re-committing prover kept out of the step's own draw", () => {
    // The cheating step proves and verifies: its Fiat–Shamir draw was re-rolled until it missed member 2.
    expect(verifyChain(policy, [{ name: 'genesis', proof: cheat.genesis }, { name: 'step-1', proof: cheat.proof }]).ok).toBe(true);
    const c = drawing(2, cheat);
    const failures = checkAudit(policy, cheat.proof, c, answerAudit(cheat.dir, c));
    expect(failures.length).toBe(c.samples.length);
    expect(failures[0]).toMatch(/^step 1, verify up \(member l = 2\): sample 0 \(i = \d, j = \d\): c\[\d\]\[\d\] = 0x[0-9a-f]{4}, but a\[\d\]·b\[:, \d\] = 0x[0-9a-f]{4}$/);
    // Its honest members answer.
    for (const m of [0, 1]) expect(checkAudit(policy, cheat.proof, drawing(m, cheat), answerAudit(cheat.dir, drawing(m, cheat)))).toEqual([]);
  });

  it('refuses an answer that opens another member, other rows, a stale challenge, another record, or a chosen challenge', () => {
    const c = drawing(1);
    const good = answerAudit(honest.dir, c);
    const refuse = (answer: AuditAnswer, challenge: Challenge = c) => checkAudit(policy, honest.proof, challenge, answer);
    const prefix = 'step 1, verify up (member l = 1): ';

    // Another member: named as such, or passed off as the challenged one (its rows then do not open).
    const other = Recorder.answering(honest.dir).answerChallenge(1, c.samples, 'up', 0);
    expect(refuse({ ...good, ...other, member: 0 })).toEqual([`${prefix}the answer opens member 0; the challenge drew 1`]);
    const posing = refuse({ ...good, ...other, member: 1 });
    expect(posing.length).toBeGreaterThan(0);
    expect(posing.every((f) => f.startsWith(prefix) && / does not open against /.test(f))).toBe(true);

    // A wrong row: other entries than drawn, or the drawn entries with a row from elsewhere.
    const shifted = Recorder.answering(honest.dir).answerChallenge(1, c.samples.map(({ i, j }) => ({ i: (i + 1) % M, j })), 'up', 1);
    expect(refuse({ ...good, ...shifted })).toEqual([expect.stringMatching(new RegExp(`^${prefix.replace(/[()]/g, '\\$&')}sample 0 opens \\(\\d, \\d\\); the challenge drew \\(\\d, \\d\\)$`))]);
    const swapped = structuredClone(good) as unknown as { samples: { a: unknown }[] };
    swapped.samples[0]!.a = swapped.samples[1]!.a;
    const rows = refuse(swapped as unknown as AuditAnswer);
    if (c.samples[0]!.i !== c.samples[1]!.i) expect(rows).toContainEqual(expect.stringMatching(/sample 0 .*the opened rows .* are not the sampled ones/));
    else expect(rows).toEqual([]);

    // A stale challenge: the answer to an earlier challenge, as it was, or with the new nonce pasted in.
    const earlier = drawing(2);
    const stale = answerAudit(honest.dir, earlier);
    expect(refuse(stale)).toEqual([expect.stringMatching(/^step 1, verify up \(member l = 1\): the answer is to another challenge .*: a stale answer$/)]);
    expect(refuse({ ...stale, nonce: c.nonce })).toEqual([`${prefix}the answer opens member 2; the challenge drew 1`]);

    // Another record, or the right record with another blinding: not the proof's step record commitment.
    const edited = structuredClone(good) as AuditAnswer & { record: { h: string[] } };
    edited.record.h[0] = edited.record.h[2]!;
    expect(refuse(edited)).toEqual([expect.stringMatching(/^step 1, verify up \(member l = 1\): the record and blinding commit to [0-9a-f]{16}…, not to the step record commitment of step 1's proof/)]);
    expect(refuse({ ...good, blinding: '00'.repeat(32) })).toEqual([expect.stringMatching(/not to the step record commitment/)]);
    // A step proven again after the challenge (here: another run's proof of step 1) does not answer it.
    expect(checkAudit(policy, cheat.proof, c, good)).toEqual([expect.stringMatching(/^step 1, verify up \(member l = 1\): the step proof given commits to the record [0-9a-f]{16}…, not to the one the challenge was drawn against .*: a step proven again after the challenge$/)]);
    const reproven = answerAudit(cheat.dir, { ...c, commitment: commitment(cheat.proof) });
    expect(checkAudit(policy, cheat.proof, c, reproven)).toEqual([expect.stringMatching(/a step proven again after the challenge$/)]);
    expect(checkAudit(policy, honest.genesis, c, good)).toEqual([`${prefix}the proof given is the genesis proof of step 0, not step 1's`]);

    // A challenge the lab chose rather than the nonce drew.
    const chosen = { ...c, member: 0 };
    expect(checkAudit(policy, honest.proof, chosen, answerAudit(honest.dir, chosen))).toEqual([expect.stringMatching(/the challenge is not the one its nonce draws/)]);
    expect(refuse(good, { ...c, samples: [...c.samples].reverse() })).toEqual([expect.stringMatching(/the challenge is not the one its nonce draws/)]);
  });

  it('is answered from a run the answerer cannot write to, and a family needs its member', () => {
    const rec = Recorder.answering(honest.dir);
    expect(() => rec.answerChallenge(1, [{ i: 0, j: 0 }], 'up')).toThrow(/verify up is a family of products .*: name the member to open/);
    expect(() => rec.answerChallenge(1, [{ i: 0, j: 0 }], 'up', 3)).toThrow(/operand a \(record field 'x\[3\]'\) has no committed tensor/);
    expect(() => rec.recordStep(2, {}, {})).toThrow(RecorderError);
    expect(() => rec.finish()).toThrow(/open for answering challenges only/);
    const envelope = JSON.parse(readFileSync(join(honest.dir, stepFile(1)), 'utf8')) as StepEnvelope;
    expect(Array.isArray(envelope.record.x)).toBe(true);
  });
});

describe('zpol challenge', () => {
  // Red team: a verified directory may name its files otherwise than the prover does; the challenges are drawn
  // against the file the verifier checked as each step (before, the canonical name was read: absent here, so the
  // auditor could not challenge a chain that verifies).
  it('draws against the step proofs the verifier checked, whatever their file names', async () => {
    const dir = join(tmp, 'renamed-proofs');
    mkdirSync(dir);
    writeFileSync(join(dir, proofFileName('genesis', 0)), encodeProofFile(honest.genesis));
    writeFileSync(join(dir, 'first-step.zproof'), encodeProofFile(honest.proof));
    const out = join(tmp, 'renamed-ch.json');
    const lines: string[] = [];
    expect(await drawChallenges(join(tmp, 'p.zpol'), dir, out, [], 4, 'pretty', (l) => lines.push(l))).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { challenges: Challenge[] };
    expect(file.challenges.map((c) => [c.step, c.commitment])).toEqual([[1, commitment(honest.proof)]]);
  });

  it('draws after the proofs, answers from the run, checks: exit 0; a cheating run fails naming the step, clause and member', () => {
    const proofs = (run: typeof honest, name: string) => {
      const dir = join(tmp, name);
      mkdirSync(dir);
      writeFileSync(join(dir, proofFileName('genesis', 0)), encodeProofFile(run.genesis));
      writeFileSync(join(dir, proofFileName('step', 1)), encodeProofFile(run.proof));
      return dir;
    };
    const [hp, cp] = [proofs(honest, 'honest-proofs'), proofs(cheat, 'cheat-proofs')];
    const pol = join(tmp, 'p.zcp');
    writeFileSync(pol, encodeArtifact(policy.artifact));
    const [ch, an] = [join(tmp, 'ch.json'), join(tmp, 'an.json')];
    const draw = zpol(['challenge', 'draw', pol, hp, '--out', ch, '--samples', '8']);
    expect(draw.stderr).toBe('');
    expect(draw.status).toBe(0);
    expect(draw.stdout).toMatch(/^step 1: verify up member [012], 8 entries\nwrote 1 challenge to /);
    expect(zpol(['challenge', 'answer', ch, '--run', honest.dir, '--out', an]).status).toBe(0);
    const ok = zpol(['challenge', 'check', pol, hp, ch, an]);
    expect(ok.stdout).toMatch(/^verify up: 1 of 1 challenges answered; 1 step challenged after the proofs were published, one of 3 members each, drawn by the auditor: .*; the proofs alone \(Fiat–Shamir draw\): worth 0\.6 bits a step against a prover that commits again to redraw\nverdict: every challenge answered/);
    expect(ok.status).toBe(0);
    // The cheating run, challenged (here with a nonce whose draw is its wrong member; the file is the auditor's).
    const file = JSON.parse(readFileSync(ch, 'utf8')) as { challenges: Challenge[] };
    writeFileSync(ch, JSON.stringify({ ...file, challenges: [drawChallenge(check, 1, commitment(cheat.proof), drawing(2, cheat).nonce, 8)] }));
    expect(zpol(['challenge', 'answer', ch, '--run', cheat.dir, '--out', an]).status).toBe(0);
    const failed = zpol(['challenge', 'check', pol, cp, ch, an]);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/FAILED step 1, verify up \(member l = 2\): sample 0 \(i = \d, j = \d\): c\[\d\]\[\d\] = 0x[0-9a-f]{4}, but/);
    expect(failed.stdout).toMatch(/verdict: 8 failures: the lab's answers do not hold/);
    // The answers checked against proofs the challenges were not drawn against, and bad usage.
    const json = JSON.parse(zpol(['challenge', 'check', pol, hp, ch, an, '--format', 'json']).stdout) as { ok: boolean; clauses: { answered: number }[]; failures: string[] };
    expect(json).toMatchObject({ ok: false, clauses: [{ clause: 'up', challenges: 1, answered: 0 }] });
    expect(json.failures).toEqual([expect.stringMatching(/^step 1, verify up \(member l = 2\): .*a step proven again after the challenge$/)]);
    expect(zpol(['challenge', 'draw', pol, hp, '--out', ch, '--clause', 'nope']).stderr).toMatch(/no verify clause 'nope'/);
  }, 120_000);
});
