/**
 * What `zpol diff` prints: the implication report (decide.ts) for people, the evaluator that confirms a
 * counterexample, and the structural comparison of two policies that `zpol diff` prints without `--implies`.
 */
import type { Json } from '../../runtime/policy/run-values.ts';
import type { Confirm, ImpliesReport } from './decide.ts';

/**
 * A counterexample's run under one policy, as `zpol eval` evaluates it: the policy compiled without its compute
 * checks and run in the zkVM, with the reference interpreter explaining a failure (cli/evaluate.ts): it complies,
 * fails a clause (the machine and the interpreter agree), or is refused (they disagree, or the records do not fit
 * the machine's words). Each policy is compiled once.
 */
export async function evaluatorConfirm(): Promise<Confirm> {
  const [{ compileFile }, { evaluateRun }] = await Promise.all([import('../../compiler/index.ts'), import('../evaluate.ts')]);
  const compiled = new Map<string, ReturnType<typeof compileFile>>();
  return (path, spec, steps) => {
    let c = compiled.get(path);
    if (!c) compiled.set(path, (c = compileFile(path, { computeChecks: false })));
    if (!c.ok) return { verdict: 'refused', text: `cannot compile ${path}: ${c.error ?? c.diagnostics.find((d) => d.severity === 'error')?.message ?? 'errors'}` };
    let r;
    try {
      r = evaluateRun(c, c.program, spec, steps);
    } catch (e) {
      return { verdict: 'refused', text: `the evaluator refused the records: ${(e as Error).message}` };
    }
    // A run the machine refuses but the interpreter accepts (a product above 2^128) fails no clause.
    if (r.disagreements.length > 0) return { verdict: 'refused', text: `the machine and the interpreter disagree: ${r.disagreements.join('; ')}` };
    return r.ok ? { verdict: 'complies', text: 'complies' } : { verdict: 'fails', text: r.failure!.message };
  };
}

const steps = (n: number) => `${n} step${n === 1 ? '' : 's'}`;

/** The union of two records (a field both have holds one value: the same variable). */
const merged = (a: Json, b: Json): Json => ({ ...(b as object), ...(a as object) });

export function formatImplies(r: ImpliesReport): string {
  const a = `${r.a.file}${r.a.policy ? ` (${r.a.policy})` : ''}`;
  const b = `${r.b.file}${r.b.policy ? ` (${r.b.policy})` : ''}`;
  const lines: string[] = [];
  if (r.verdict === 'implies') lines.push(`A implies B: every run that satisfies ${a} satisfies ${b}`);
  else if (r.verdict === 'does not imply') lines.push(`A does not imply B: a run that satisfies ${a} breaks ${b}`);
  else lines.push(`undecided: whether ${a} implies ${b}: ${r.reason}`);
  const cx = r.counterexample;
  if (cx && r.verdict === 'does not imply') {
    lines.push(`counterexample (${steps(cx.a.steps.length)}): B's ${cx.clause} fails${cx.step > 0 ? ` at step ${cx.step}` : ''}`);
    lines.push(`  spec: ${JSON.stringify(merged(cx.a.spec, cx.b.spec))}`);
    cx.a.steps.forEach((s, i) => lines.push(`  step ${i + 1}: ${JSON.stringify(merged(s, cx.b.steps[i]!))}`));
    lines.push('confirmed by the evaluator (zpol eval):', `  A: ${cx.confirmation.a}`, `  B: ${cx.confirmation.b}`);
  } else if (r.verdict !== 'does not imply' && r.obligations.length > 0) {
    lines.push(`B's clauses (runs of 0 to ${r.method.boundedSteps} steps searched; longer runs by ${r.method.induction}):`);
    const width = Math.max(...r.obligations.map((o) => o.clause.length));
    for (const o of r.obligations) lines.push(`  ${o.clause.padEnd(width)}  ${o.status}: ${o.detail} (${o.location})`);
    if (r.stateCorrespondence.length > 0) lines.push('state correspondence (after every step):', ...r.stateCorrespondence.map((s) => `  ${s}`));
  }
  if (r.fields.onlyA.length + r.fields.onlyB.length > 0) {
    const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');
    lines.push(`record fields: ${r.fields.shared} shared; only A's: ${list(r.fields.onlyA)}; only B's (free for A): ${list(r.fields.onlyB)}`);
  }
  lines.push(`solver: ${(r.solverMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
