/**
 * `zpol eval`: runs a policy's compiled programs in the zkVM on a spec and a stream of steps, without proving,
 * and explains the verdict in the policy's terms. It orchestrates two layers, the runtime (which decides) and
 * the compiler's reference interpreter (which explains), so it lives with the commands. The machine decides (it is what a proof would show); the
 * reference interpreter (interpret.ts) supplies the explanation: the values on both sides of a failing
 * comparison. The two must agree on which clause fails at which step; if they do not, that is a bug in zpol,
 * reported as such (the differential test makes it unlikely).
 */
import { randomBytes } from 'node:crypto';
import type { Program as LanguageProgram } from '../language/program.ts';
import { ChainError, ChainProver, type ChainPolicy } from '../runtime/chain/prover.ts';
import { revealWords, type RevealedValue } from '../runtime/policy/public-words.ts';
import type { Word } from '../runtime/vm/word.ts';
import { PolicyInterpreter } from '../compiler/interpret.ts';
import type { Evaluation } from '../compiler/interpret/results.ts';
import { decodeRecord, decodeRunValue, RunValueError, type FieldType } from '../runtime/policy/run-values.ts';

export interface EvalReport {
  readonly policy: string;
  readonly ok: boolean;
  readonly steps: number;
  /** The first failure, explained; absent when the run complies. */
  readonly failure?: { readonly kind: 'genesis' | 'step'; readonly step: number; readonly clause: string; readonly message: string };
  readonly attests: readonly { readonly name: string; readonly holds: boolean }[];
  readonly invariants: readonly { readonly name: string; readonly heldThrough: number; readonly unevaluated?: string }[];
  /** The compute checks, not evaluated (no tensors): their sample count and accumulation order as the step program runs them. */
  readonly verifies: readonly { readonly name: string; readonly samples: number; readonly order?: string; readonly status: string }[];
  /** Each output as the verifier would reveal it: text for people, the exact value for tools. */
  readonly outputs: readonly RevealedValue[];
  /** Where the machine and the interpreter disagree (a zpol bug); empty normally. */
  readonly disagreements: readonly string[];
}

/**
 * Every problem of one record, where decodeRecord throws only the first: each unknown field, each missing one,
 * each value that is not of its field's type, in decodeRecord's order (so the first is the one it throws).
 */
function problemsOf(fields: readonly FieldType[], json: unknown, record: string): RunValueError[] {
  try {
    decodeRecord(fields, json, record);
    return [];
  } catch (e) {
    if (!(e instanceof RunValueError)) throw e;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return [e]; // not a record at all
  }
  const obj = json as Record<string, unknown>;
  const names = fields.map((f) => f.name);
  const list = names.length === 0 ? 'no fields' : names.map((n) => `'${n}'`).join(', ');
  const problems: RunValueError[] = [];
  for (const key of Object.keys(obj)) if (!names.includes(key)) problems.push(new RunValueError(record, '', `unknown field '${key}'; the record has ${list}`));
  for (const f of fields) {
    if (!Object.prototype.hasOwnProperty.call(obj, f.name)) {
      problems.push(new RunValueError(record, '', `missing field '${f.name}'`));
      continue;
    }
    try {
      decodeRunValue(f.type, obj[f.name], record, f.name);
    } catch (e) {
      if (!(e instanceof RunValueError)) throw e;
      problems.push(e);
    }
  }
  return problems;
}

/**
 * Every problem in a spec and its steps, all of them (`zpol eval` reports them together rather than stopping at
 * the first): `steps[i]` is step i + 1, or undefined where its line was no JSON (reported by the caller).
 */
/** The clause a ChainError's message names (`attest NAME` or `invariant NAME`), or 'a check'. */
const clauseOf = (message: string): string => /(attest|invariant) (\S+) failed/.exec(message)?.slice(1).join(' ') ?? 'a check';

export function recordProblems(policy: ChainPolicy, specJson: unknown, stepsJson: readonly unknown[]): RunValueError[] {
  const { records } = policy.artifact;
  return [
    ...(specJson === undefined ? [] : problemsOf(records.spec, specJson, 'spec')),
    ...stepsJson.flatMap((s, i) => (s === undefined ? [] : problemsOf(records.step, s, `step ${i + 1}`))),
  ];
}

/** The attestation's outputs after step `last` from `state`, read by the artifact's types as the verifier reads them. */
function attestedOutputs(policy: ChainPolicy, prover: ChainProver, last: number, state: readonly Word[]): RevealedValue[] {
  const exec = prover.attestationExecution(last, state);
  const outputs: RevealedValue[] = [];
  let o = 0;
  for (const out of policy.artifact.outputs) {
    outputs.push(revealWords(out.name, out.type, exec.publicOutputs.slice(o, o + out.words)));
    o += out.words;
  }
  return outputs;
}

export function evaluateRun(policy: ChainPolicy, program: LanguageProgram, specJson: unknown, stepsJson: readonly unknown[]): EvalReport {
  const interp = new PolicyInterpreter(program, policy.artifact.policy.source);
  const spec = interp.decodeSpec(specJson);
  const steps = stepsJson.map((s, i) => interp.decodeStep(s, i));
  const ev: Evaluation = interp.run(specJson, stepsJson);
  const prover = new ChainProver(policy, randomBytes(32), spec);
  const disagreements: string[] = [];
  const base = {
    policy: policy.artifact.policy.name,
    verifies: ev.verifies.map((v) => {
      const order = v.order.kind === 'blocked' ? `blocked(${v.order.width})` : v.order.kind;
      return { name: v.name, samples: v.samples, order, status: `${v.status}; ${v.samples} samples per step, ${order} order` };
    }),
    disagreements,
  };

  // Genesis.
  let state: Word[];
  try {
    state = prover.genesisExecution().state;
  } catch (e) {
    if (!(e instanceof ChainError)) throw e;
    // A run-time error inside a claim (a division by zero) fails the machine's assertion without naming the
    // claim; the interpreter names it ("attest X could not be evaluated").
    const named = clauseOf(e.message);
    const explained = ev.attests.find((a) => !a.holds && (`attest ${a.name}` === named || (named === 'a check' && / could not be evaluated: /.test(a.message ?? ''))));
    const clause = explained ? `attest ${explained.name}` : named;
    if (!explained) disagreements.push(`the machine fails genesis (${e.message}); the interpreter ${ev.attests.every((a) => a.holds) ? 'does not' : 'fails another claim first'}`);
    return {
      ...base,
      ok: false,
      steps: 0,
      failure: { kind: 'genesis', step: 0, clause, message: explained?.message ?? e.message },
      attests: ev.attests.map((a) => ({ name: a.name, holds: a.holds })),
      invariants: [],
      outputs: [],
    };
  }
  if (!ev.attests.every((a) => a.holds)) disagreements.push('the interpreter fails an attest claim that the machine accepts');

  // Steps.
  for (let k = 1; k <= steps.length; k++) {
    try {
      state = prover.stepExecution(k, state, steps[k - 1]!).state;
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      const named = clauseOf(e.message);
      const unnamed = (i: (typeof ev.invariants)[number]) => named === 'a check' && i.failures.some((f) => f.step === k && / could not be evaluated at step /.test(f.message));
      const inv = ev.invariants.find((i) => `invariant ${i.name}` === named) ?? ev.invariants.find(unnamed);
      const clause = inv ? `invariant ${inv.name}` : named;
      const explained = inv?.failures.find((f) => f.step === k)?.message ?? (ev.halted?.step === k ? ev.halted.message : undefined);
      if (!explained) disagreements.push(`the machine fails step ${k} (${e.message}); the interpreter does not`);
      return {
        ...base,
        ok: false,
        steps: k,
        failure: { kind: 'step', step: k, clause, message: explained ?? e.message },
        attests: ev.attests.map((a) => ({ name: a.name, holds: a.holds })),
        invariants: ev.invariants.map((i) => ({ name: i.name, heldThrough: k - 1, ...(i.unevaluated ? { unevaluated: i.unevaluated } : {}) })),
        outputs: [],
      };
    }
  }
  if (!ev.ok && !ev.halted) disagreements.push('the interpreter fails an invariant that the machine accepts at every step');

  // Attestation: the outputs, decoded by their declared types.
  const outputs = attestedOutputs(policy, prover, steps.length, state);
  return {
    ...base,
    ok: true,
    steps: steps.length,
    attests: ev.attests.map((a) => ({ name: a.name, holds: a.holds })),
    invariants: ev.invariants.map((i) => ({ name: i.name, heldThrough: steps.length, ...(i.unevaluated ? { unevaluated: i.unevaluated } : {}) })),
    outputs,
  };
}

/**
 * `zpol eval` on a compiled artifact alone (a `.zcp`): the machine decides, as always, but with no source there
 * is no interpreter to explain a failure, so the report gives the machine's own message (which names the clause
 * and its location) and lists clauses up to the first that fails. A step program that runs compute checks reads
 * the run's tensors, which eval does not have: such an artifact is refused by the caller.
 */
export function evaluateOnMachine(policy: ChainPolicy, specJson: unknown, stepsJson: readonly unknown[]): EvalReport {
  const { artifact } = policy;
  const spec = decodeRecord(artifact.records.spec, specJson, 'spec');
  const steps = stepsJson.map((s, i) => decodeRecord(artifact.records.step, s, `step ${i + 1}`));
  const prover = new ChainProver(policy, randomBytes(32), spec);
  const names = (kind: string) => artifact.clauses.filter((c) => c.kind === kind).map((c) => c.name);
  const base = { policy: artifact.policy.name, verifies: [], disagreements: [], outputs: [] };
  let state: Word[];
  try {
    state = prover.genesisExecution().state;
  } catch (e) {
    if (!(e instanceof ChainError)) throw e;
    const clause = clauseOf(e.message);
    // The machine checks the attests in order and stops at the first that fails.
    const attests = names('attest');
    const failed = attests.findIndex((n) => `attest ${n}` === clause);
    const checked = failed < 0 ? [] : attests.slice(0, failed + 1).map((name, i) => ({ name, holds: i < failed }));
    return { ...base, ok: false, steps: 0, failure: { kind: 'genesis', step: 0, clause, message: e.message }, attests: checked, invariants: [] };
  }
  const attests = names('attest').map((name) => ({ name, holds: true }));
  for (let k = 1; k <= steps.length; k++) {
    try {
      state = prover.stepExecution(k, state, steps[k - 1]!).state;
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      const failure = { kind: 'step' as const, step: k, clause: clauseOf(e.message), message: e.message };
      return { ...base, ok: false, steps: k, failure, attests, invariants: names('invariant').map((name) => ({ name, heldThrough: k - 1 })) };
    }
  }
  const outputs = attestedOutputs(policy, prover, steps.length, state);
  return { ...base, ok: true, steps: steps.length, attests, invariants: names('invariant').map((name) => ({ name, heldThrough: steps.length })), outputs };
}

export function formatEvalReport(r: EvalReport): string {
  const lines = [`policy ${r.policy}: ${r.steps} step${r.steps === 1 ? '' : 's'} run in the zkVM`];
  for (const a of r.attests) lines.push(`  attest ${a.name}: ${a.holds ? 'holds' : 'FAILS'}`);
  for (const i of r.invariants) {
    const how = i.unevaluated ? `not evaluated: ${i.unevaluated}` : i.heldThrough === r.steps && r.ok ? 'held after every step' : `held through step ${i.heldThrough}`;
    lines.push(`  invariant ${i.name}: ${how}`);
  }
  for (const v of r.verifies) lines.push(`  verify ${v.name}: ${v.status}`);
  for (const o of r.outputs) lines.push(`  output ${o.name} = ${o.text}`);
  for (const d of r.disagreements) lines.push(`  internal error: the machine and the interpreter disagree: ${d}`);
  lines.push(r.ok ? 'verdict: the run complies with the policy' : `verdict: the run breaks the policy: ${r.failure!.message}`);
  return lines.join('\n');
}
