/**
 * The proof chain's verifier: every proof against the policy's own programs, then the links between them.
 *
 *   - each proof file names the policy digest and the program digest of the policy being verified;
 *   - each STARK proof verifies for its program, with the file's public inputs and outputs;
 *   - one genesis; steps 1..N, each once; their previous state is the state before them (genesis's for step 1);
 *   - every proof opens the same spec commitment;
 *   - the attestation (if any) starts from the last step's state and closes the chain.
 *
 * A reordered, dropped or replayed step breaks a link (state commitments are blinded with fresh randomness per
 * step, so no two states collide); a proof of another policy fails its digests and its STARK; another run's
 * genesis has another spec commitment. The report speaks the policy's terms: which claims held, over which
 * steps, and the values the policy reveals.
 */
import type * as A from '../../language/ast.ts';
import { dimToString, type Type } from '../../language/checker/types.ts';
import { formatNumber } from '../../language/checker/values.ts';
import type { ProofKind } from '../../compiler/compile.ts';
import { machine, verifyExecution, type Machine } from '../vm/machine.ts';
import { programDigest } from '../vm/program.ts';
import { wideValue, wordsEqual, type Word } from '../vm/word.ts';
import { decodeStarkProof } from '../proof/stark/codec.ts';
import { decodeFriPcsProof, type FriPcsProof } from '../proof/pcs/fri-pcs.ts';
import type { ChainPolicy } from './prover.ts';
import type { ProofFile } from './proof-file.ts';
import { digestFromHex as hexToWord } from '../run/tensor-commit.ts';

export interface ProofCheck {
  readonly name: string;
  readonly kind: ProofKind;
  readonly step: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ChainReport {
  readonly ok: boolean;
  readonly policy: string;
  readonly policyDigest: string;
  readonly steps: number;
  readonly proofs: readonly ProofCheck[];
  /** Problems with the chain as a whole (links, missing or repeated proofs). */
  readonly errors: readonly string[];
  /** What held, in the policy's words. */
  readonly claims: readonly string[];
  /** The public spec fields and the attestation's outputs, as the policy declares them. */
  readonly revealed: readonly { readonly name: string; readonly value: string }[];
}

/** A value of type `t` from its words, as a policy author writes it. */
export function describeWords(t: Type, words: readonly Word[]): string {
  switch (t.kind) {
    case 'num': {
      const unit = dimToString(t.dim);
      const suffix = unit === '1' ? '' : ` ${unit}`;
      if (t.base === 'int') return `${formatNumber(wideValue(words[0]!), 1n)}${suffix}`;
      return `${formatNumber(wideValue(words[0]!), wideValue(words[1]!))}${suffix}`;
    }
    case 'bool':
      return words[0]![0] === 1 ? 'true' : 'false';
    case 'enum':
      return t.decl.members[words[0]![0]!]?.name ?? `?${words[0]![0]}`;
    case 'digest':
      return words[0]!.map((x) => x.toString(16).padStart(8, '0')).join('');
    case 'array': {
      const n = Number(t.length ?? 0n);
      const per = words.length / Math.max(n, 1);
      return `[${Array.from({ length: n }, (_, i) => describeWords(t.element, words.slice(i * per, (i + 1) * per))).join(', ')}]`;
    }
    default:
      return '?';
  }
}

export function verifyChain(policy: ChainPolicy, files: readonly { name: string; proof: ProofFile }[]): ChainReport {
  const { compiled, artifact, root } = policy;
  const machines = new Map<ProofKind, Machine<FriPcsProof>>();
  const machineFor = (k: ProofKind) => {
    let m = machines.get(k);
    if (!m) machines.set(k, (m = machine(compiled.programs[k])));
    return m;
  };
  const errors: string[] = [];
  const checks: ProofCheck[] = [];
  const verified: { name: string; proof: ProofFile; inputs: Word[]; outputs: Word[] }[] = [];
  for (const { name, proof } of files) {
    const check = (ok: boolean, error?: string) => checks.push({ name, kind: proof.kind, step: proof.step, ok, ...(error ? { error } : {}) });
    if (proof.policyDigest !== artifact.digest) {
      check(false, `made for another policy (digest ${proof.policyDigest.slice(0, 16)}…, this policy ${artifact.digest.slice(0, 16)}…)`);
      continue;
    }
    const m = machineFor(proof.kind);
    if (proof.program !== Buffer.from(programDigest(m.program)).toString('hex')) {
      check(false, `made for another ${proof.kind} program`);
      continue;
    }
    let inputs: Word[];
    let outputs: Word[];
    try {
      inputs = proof.publicInputs.map(hexToWord);
      outputs = proof.publicOutputs.map(hexToWord);
    } catch (e) {
      check(false, `public values: ${(e as Error).message}`);
      continue;
    }
    const decoded = decodeStarkProof(Buffer.from(proof.stark, 'base64'), m.system, (bytes, layouts) => decodeFriPcsProof(bytes, m.system.pcs.params, layouts));
    if (!decoded.ok) {
      check(false, decoded.error);
      continue;
    }
    const verdict = verifyExecution(m, inputs, outputs, decoded.value);
    if (!verdict.ok) {
      check(false, verdict.error);
      continue;
    }
    check(true);
    verified.push({ name, proof, inputs, outputs });
  }

  // Links.
  const geneses = verified.filter((v) => v.proof.kind === 'genesis');
  const steps = verified.filter((v) => v.proof.kind === 'step').sort((a, b) => a.proof.step - b.proof.step);
  const attestations = verified.filter((v) => v.proof.kind === 'attestation');
  if (geneses.length !== 1) errors.push(geneses.length === 0 ? 'no valid genesis proof' : `${geneses.length} genesis proofs; a chain has one`);
  const genesis = geneses[0];
  const spec = genesis?.inputs[0];
  let state = genesis?.outputs[0];
  let last = 0;
  const seen = new Set<number>();
  for (const s of steps) {
    const k = s.proof.step;
    if (seen.has(k)) {
      errors.push(`step ${k} appears twice (${s.name})`);
      continue;
    }
    seen.add(k);
    if (k !== last + 1) errors.push(`step ${last + 1} is missing before step ${k} (${s.name})`);
    if (spec && !wordsEqual(s.inputs[0]!, spec)) errors.push(`step ${k} (${s.name}) is about another spec than the genesis`);
    if (state && !wordsEqual(s.inputs[1]!, state)) errors.push(`step ${k} (${s.name}) does not start from the state step ${k - 1} ended in`);
    state = s.outputs[0];
    last = k;
  }
  if (attestations.length > 1) errors.push(`${attestations.length} attestations; a chain has at most one`);
  const attestation = attestations[0];
  if (attestation) {
    if (spec && !wordsEqual(attestation.inputs[0]!, spec)) errors.push(`the attestation (${attestation.name}) is about another spec than the genesis`);
    if (state && !wordsEqual(attestation.inputs[1]!, state)) errors.push(`the attestation (${attestation.name}) does not start from the state of step ${last}`);
    if (attestation.proof.step !== last) errors.push(`the attestation says it follows step ${attestation.proof.step}, the chain ends at step ${last}`);
  }
  const ok = errors.length === 0 && checks.every((c) => c.ok);

  // The report in the policy's terms.
  const clauses = root.ast.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl');
  const describe = (d: A.ClauseDecl) => `${d.name.name}${d.description ? ` (${d.description.value})` : ''}`;
  const claims: string[] = [];
  if (ok) {
    for (const d of clauses.filter((c) => c.clause === 'attest')) claims.push(`attest ${describe(d)}: holds for the committed spec`);
    for (const d of clauses.filter((c) => c.clause === 'invariant')) claims.push(`invariant ${describe(d)}: held after every step, 1..${last}`);
    for (const v of compiled.verifies) {
      const d = root.ast.decls.find((x): x is A.VerifyDecl => x.kind === 'VerifyDecl' && x.name.name === v.name);
      const [m, k, n] = v.dims;
      claims.push(
        `verify ${v.name}${d?.description ? ` (${d.description.value})` : ''}: at every step, ${v.samples} entries of step.${v.c} = step.${v.a} · step.${v.b} ` +
          `([${m}×${k}]·[${k}×${n}]) drawn from the committed tensors were recomputed in BF16 with FP32 accumulation (sequential order) and matched`,
      );
    }
  }
  const revealed: { name: string; value: string }[] = [];
  if (genesis) {
    let o = 1;
    for (const f of root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : [])).filter((f) => f.isPublic)) {
      const t = root.checker.resolveType(f.type);
      const n = compiled.publicSpec.find((p) => p.name === f.name.name)!.words;
      revealed.push({ name: `spec.${f.name.name}`, value: describeWords(t, genesis.outputs.slice(o, o + n)) });
      o += n;
    }
  }
  if (attestation) {
    let o = 0;
    for (const d of clauses.filter((c) => c.clause === 'output')) {
      const t = root.checker.types.get(d.value);
      const n = compiled.outputs.find((p) => p.name === d.name.name)!.words;
      revealed.push({ name: d.name.name, value: t ? describeWords(t, attestation.outputs.slice(o, o + n)) : '?' });
      o += n;
    }
  }
  return { ok, policy: compiled.name, policyDigest: artifact.digest, steps: last, proofs: checks, errors, claims, revealed };
}
