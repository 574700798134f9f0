/**
 * `zpol challenge draw|answer|check`: an auditor's challenges of a verified chain (runtime/chain/challenge.ts).
 * The auditor draws after the proofs are published, the lab answers from its run directory, the auditor checks
 * the answers against the same proofs. The files are canonical JSON:
 *
 *   challenges: { format: "zpol-challenges", version: 1, policy, policyDigest, challenges: [Challenge …] }
 *   answers:    { format: "zpol-answers", version: 1, answers: [AuditAnswer …] }  (answer n answers challenge n)
 *
 * Returns exit codes; bad input is reported on stderr by the caller (it throws Error with a message).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic-write.ts';
import { ExitCode, UsageError, type OutputFormat } from './base.ts';
import { policyFor } from './chain.ts';
import { answerAudit, auditSentence, checkAudit, issueChallenge, type AuditAnswer, type Challenge } from '../runtime/chain/challenge.ts';
import { decodeProofFile, type ProofFile } from '../runtime/chain/proof-file.ts';
import { verifyDir } from '../runtime/chain/run-prover.ts';
import type { ComputeCheck, LoadedPolicy } from '../runtime/policy/artifact.ts';
import { familyAssurance, familyRedrawBits } from '../runtime/policy/family-assurance.ts';

type Print = (line: string) => void;

export const CHALLENGES_FORMAT = 'zpol-challenges';
export const ANSWERS_FORMAT = 'zpol-answers';

interface ChallengesFile {
  readonly format: typeof CHALLENGES_FORMAT;
  readonly version: 1;
  readonly policy: string;
  readonly policyDigest: string;
  readonly challenges: readonly Challenge[];
}

/**
 * The chain in `proofsDir` verified against `policy`, and its step proofs by step; throws when it does not verify.
 * Each step's proof is read from the file the verifier checked as that step (a verified directory may name its
 * files otherwise than the prover does).
 */
function verifiedSteps(policy: LoadedPolicy, proofsDir: string): Map<number, ProofFile> {
  const report = verifyDir(policy, proofsDir);
  if (!report.ok) throw new Error(`${proofsDir}: the chain does not verify (zpol verify says why): challenge and check only a verified chain`);
  const steps = new Map<number, ProofFile>();
  for (const c of report.proofs) if (c.ok && c.kind === 'step' && c.step !== null) steps.set(c.step, decodeProofFile(readFileSync(join(proofsDir, c.name)), c.name));
  return steps;
}

/** The clauses to challenge: those named, or every family, or every compute check when the policy has no family. */
function challengedChecks(policy: LoadedPolicy, names: readonly string[]): ComputeCheck[] {
  const all = policy.artifact.verifies;
  if (all.length === 0) throw new UsageError(`${policy.artifact.policy.name} has no verify clause to challenge`);
  if (names.length === 0) return all.some((v) => v.family) ? all.filter((v) => v.family) : [...all];
  return names.map((n) => all.find((v) => v.name === n) ?? (() => {
    throw new UsageError(`--clause ${n}: ${policy.artifact.policy.name} has no verify clause '${n}' (it has ${all.map((v) => v.name).join(', ')})`);
  })());
}

const readJson = (path: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
};

/** Canonical file bytes: typed arrays (row values) as plain lists. */
const fileText = (value: unknown): string => `${JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Uint16Array) : v), 2)}\n`;

function readChallenges(path: string): ChallengesFile {
  const f = readJson(path) as ChallengesFile;
  if (f?.format !== CHALLENGES_FORMAT || f.version !== 1 || !Array.isArray(f.challenges)) throw new Error(`${path}: not a challenges file (format ${CHALLENGES_FORMAT}, version 1)`);
  return f;
}

export async function drawChallenges(policyPath: string, proofsDir: string, out: string, clauses: readonly string[], samples: number | undefined, format: OutputFormat, print: Print): Promise<number> {
  const policy = await policyFor(policyPath);
  const checks = challengedChecks(policy, clauses);
  const steps = verifiedSteps(policy, proofsDir);
  const challenges = [...steps.values()].flatMap((proof) => checks.map((check) => issueChallenge(check, proof, samples ?? check.samples)));
  const file: ChallengesFile = { format: CHALLENGES_FORMAT, version: 1, policy: policy.artifact.policy.name, policyDigest: policy.artifact.digest, challenges };
  writeFileAtomic(out, fileText(file));
  if (format === 'json') {
    print(JSON.stringify({ wrote: out, challenges: challenges.map(({ step, clause, member, samples: s }) => ({ step, clause, member, entries: s.length })) }, null, 2));
    return ExitCode.ok;
  }
  for (const c of challenges) print(`step ${c.step}: verify ${c.clause}${c.member === null ? '' : ` member ${c.member}`}, ${c.samples.length} entries`);
  print(`wrote ${challenges.length} challenge${challenges.length === 1 ? '' : 's'} to ${out}: give them to the lab only now that its proofs are published`);
  return ExitCode.ok;
}

export function answerChallenges(challengesPath: string, runDir: string, out: string, format: OutputFormat, print: Print): number {
  const { challenges } = readChallenges(challengesPath);
  const answers: AuditAnswer[] = challenges.map((c) => answerAudit(runDir, c));
  writeFileAtomic(out, fileText({ format: ANSWERS_FORMAT, version: 1, answers }));
  if (format === 'json') print(JSON.stringify({ wrote: out, answers: answers.length }, null, 2));
  else print(`wrote ${answers.length} answer${answers.length === 1 ? '' : 's'} to ${out}`);
  return ExitCode.ok;
}

export async function checkChallenges(policyPath: string, proofsDir: string, challengesPath: string, answersPath: string, format: OutputFormat, print: Print): Promise<number> {
  const policy = await policyFor(policyPath);
  const file = readChallenges(challengesPath);
  if (file.policyDigest !== policy.artifact.digest) throw new Error(`${challengesPath}: challenges of another policy (digest ${String(file.policyDigest).slice(0, 16)}…, this one's is ${policy.artifact.digest.slice(0, 16)}…)`);
  const answers = readJson(answersPath) as { format?: unknown; answers?: unknown };
  if (answers?.format !== ANSWERS_FORMAT || !Array.isArray(answers.answers)) throw new Error(`${answersPath}: not an answers file (format ${ANSWERS_FORMAT}, version 1)`);
  const steps = verifiedSteps(policy, proofsDir);
  const failures: string[] = [];
  const answered = new Map<string, number>();
  file.challenges.forEach((c, n) => {
    const proof = steps.get(c.step);
    const answer = (answers.answers as AuditAnswer[])[n];
    let problems: string[];
    if (!proof) problems = [`challenge ${n}: step ${c.step} has no proof in ${proofsDir}`];
    else if (answer === undefined) problems = [`challenge ${n} (step ${c.step}, verify ${c.clause}): no answer`];
    else {
      try {
        problems = checkAudit(policy, proof, c, answer);
      } catch (e) {
        problems = [`challenge ${n} (step ${c.step}, verify ${c.clause}): a malformed answer (${(e as Error).message})`];
      }
    }
    failures.push(...problems);
    if (problems.length === 0) answered.set(c.clause, (answered.get(c.clause) ?? 0) + 1);
  });
  const clauses: { clause: string; challenges: number; answered: number; assurance: string }[] = [];
  for (const check of policy.artifact.verifies) {
    const n = answered.get(check.name);
    const asked = file.challenges.filter((c) => c.clause === check.name);
    if (asked.length === 0) continue;
    const a = familyAssurance(check);
    const bits = a ? familyRedrawBits(a) : 0;
    const proofs = a ? `; the proofs alone (Fiat–Shamir draw): worth ${bits} bit${bits === 1 ? '' : 's'} a step against a prover that commits again to redraw` : '';
    clauses.push({ clause: check.name, challenges: asked.length, answered: n ?? 0, assurance: `${auditSentence(check, n ?? 0, asked[0]!.samples.length)}${proofs}` });
  }
  if (format === 'json') {
    print(JSON.stringify({ ok: failures.length === 0, clauses, failures }, null, 2));
    return failures.length === 0 ? ExitCode.ok : ExitCode.failure;
  }
  for (const c of clauses) print(`verify ${c.clause}: ${c.answered} of ${c.challenges} challenges answered; ${c.assurance}`);
  for (const f of failures) print(`  FAILED ${f}`);
  print(failures.length === 0 ? `verdict: every challenge answered and checked against the published proofs` : `verdict: ${failures.length} failure${failures.length === 1 ? '' : 's'}: the lab's answers do not hold`);
  return failures.length === 0 ? ExitCode.ok : ExitCode.failure;
}
