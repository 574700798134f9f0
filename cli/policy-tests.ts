/**
 * `zpol test`: policy tests, run without proving. A test file (`NAME.zpoltest.json`) names a policy and lists
 * cases, each a spec, its steps and what is expected of them: the verdict, each named clause's result, the
 * revealed outputs. Each case runs as `zpol eval` runs a run (cli/evaluate.ts: the zkVM decides, the reference
 * interpreter explains), and the clauses a file's cases saw hold and fail make its clause coverage.
 *
 *   {
 *     "policy": "../policies/demo.zpol",            (relative to the test file)
 *     "cases": [
 *       { "name": "under the cap", "spec": {...}, "steps": [{...}, ...],
 *         "expect": { "verdict": "complies", "clauses": { "under_flop_cap": "holds" }, "outputs": { "total_compute": "11136 FLOP" } } },
 *       { "name": "over the cap", "spec": {...}, "steps": [...],
 *         "expect": { "verdict": "fails", "clauses": { "invariant under_flop_cap": "fails at step 2" } } }
 *     ]
 *   }
 *
 * A clause's result is `holds`, `fails` (an attest at genesis, an invariant at some step), `fails at step K`
 * (an invariant) or `not reached` (an invariant after the step where another clause failed: the run stops
 * there, as a proof would). A clause is named alone, or as `KIND NAME` where two clauses share a name.
 * Compute checks (`verify`) read the run's tensors, which a test does not have: they are not run, and coverage
 * says so.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Program as LanguageProgram } from '../language/program.ts';
import { callsCountLabels } from '../compiler/labels.ts';
import { weightCalls } from '../language/checker/weights.ts';
import type { LoadedPolicy } from '../runtime/policy/artifact.ts';
import { evaluateRun, recordProblems, type EvalReport } from './evaluate.ts';

export type ClauseResult = 'holds' | 'fails' | `fails at step ${number}` | 'not reached';

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  /** What differs from the expectation (`FIELD: expected X, got Y`), or why the case could not run. */
  readonly problems: readonly string[];
  /** Every attest and invariant's result in this case, by `KIND NAME`. */
  readonly clauses: Readonly<Record<string, ClauseResult>>;
}

export interface FileResult {
  readonly file: string;
  readonly policy: string | null;
  /** A problem with the file itself (unreadable, not JSON, no such policy): no case ran. */
  readonly error?: string;
  readonly cases: readonly CaseResult[];
  /** Per `KIND NAME`: whether some case saw it hold, and some case saw it fail. */
  readonly coverage: readonly { readonly clause: string; readonly held: boolean; readonly failed: boolean }[];
  /** Compute checks, which tests do not run. */
  readonly notRun: readonly string[];
}

type Compile = (path: string) => { ok: true; policy: LoadedPolicy; program: LanguageProgram } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const RESULT = /^(holds|fails|not reached|fails at step (0|[1-9]\d*))$/;

/** Each clause's result in an evaluation, by `KIND NAME`. */
function resultsOf(report: EvalReport): Record<string, ClauseResult> {
  const out: Record<string, ClauseResult> = {};
  for (const a of report.attests) out[`attest ${a.name}`] = a.holds ? 'holds' : 'fails';
  const failed = report.failure?.kind === 'step' ? report.failure : undefined;
  for (const i of report.invariants) {
    const key = `invariant ${i.name}`;
    out[key] = !failed ? 'holds' : failed.clause === key ? `fails at step ${failed.step}` : 'not reached';
  }
  return out;
}

/** Whether `got` meets `expected` (`fails` accepts a failure at any step). */
function meets(expected: string, got: ClauseResult | undefined): boolean {
  if (got === undefined) return expected === 'not reached';
  return expected === got || (expected === 'fails' && got.startsWith('fails'));
}

/** Runs one test file. Never throws for bad input: every problem is in the result, naming its field. */
export function runTestFile(file: string, compile: Compile): FileResult {
  const empty = { file, policy: null, cases: [], coverage: [], notRun: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { ...empty, error: e instanceof SyntaxError ? `not JSON: ${e.message}` : `cannot read it: ${(e as Error).message}` };
  }
  if (!isObject(json) || typeof json.policy !== 'string' || !Array.isArray(json.cases)) {
    return { ...empty, error: 'a test file is an object with "policy" (a path, relative to the file) and "cases" (a list)' };
  }
  const unknownTop = Object.keys(json).filter((k) => !['policy', 'cases', '$schema'].includes(k));
  if (unknownTop.length > 0) return { ...empty, error: `unknown field '${unknownTop[0]}' (a test file has "policy" and "cases")` };
  const compiled = compile(resolve(dirname(file), json.policy));
  if (!compiled.ok) return { ...empty, error: `policy: ${compiled.error}` };
  const { policy, program } = compiled;
  // Invariants that count committed source labels, and attests that read the committed weights, are, like compute
  // checks, not run: records carry neither labels nor weights.
  const counting = program.roots[0]!.ast.decls.flatMap((d) =>
    d.kind === 'ClauseDecl' && ((d.clause === 'invariant' && callsCountLabels(d.value)) || (d.clause === 'attest' && weightCalls(d.value).length > 0)) ? [`${d.clause} ${d.name.name}`] : [],
  );
  const clauses = policy.artifact.clauses
    .filter((c) => c.kind === 'attest' || c.kind === 'invariant')
    .map((c) => `${c.kind} ${c.name}`)
    .filter((c) => !counting.includes(c));
  const outputs = policy.artifact.outputs.map((o) => o.name);
  /** `NAME` or `KIND NAME` to the clause it names, or why it names none. */
  const clauseNamed = (key: string): string | { error: string } => {
    if (clauses.includes(key)) return key;
    const matches = clauses.filter((c) => c.split(' ')[1] === key);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) return { error: `'${key}' names ${matches.join(' and ')}: write the kind too` };
    const verify = policy.artifact.clauses.find((c) => c.kind === 'verify' && (c.name === key || `verify ${c.name}` === key));
    if (verify) return { error: `verify ${verify.name} is a compute check, which tests do not run (it reads the run's tensors)` };
    return { error: `no attest or invariant '${key}' in policy ${policy.artifact.policy.name} (it has ${clauses.join(', ') || 'none'})` };
  };

  const cases: CaseResult[] = json.cases.map((c: unknown, i: number): CaseResult => {
    const at = `cases[${i}]`;
    if (!isObject(c)) return { name: at, passed: false, problems: [`${at}: a case is an object with "name", "spec", "steps" and "expect"`], clauses: {} };
    const name = typeof c.name === 'string' ? c.name : at;
    const problems: string[] = [];
    for (const k of Object.keys(c)) if (!['name', 'spec', 'steps', 'expect'].includes(k)) problems.push(`${at}: unknown field '${k}'`);
    if (!Array.isArray(c.steps)) problems.push(`${at}.steps: a list of step records`);
    const expect = c.expect;
    if (!isObject(expect)) problems.push(`${at}.expect: an object with "verdict", and "clauses" or "outputs" as needed`);
    else {
      for (const k of Object.keys(expect)) if (!['verdict', 'clauses', 'outputs'].includes(k)) problems.push(`${at}.expect: unknown field '${k}'`);
      if (expect.verdict !== undefined && expect.verdict !== 'complies' && expect.verdict !== 'fails') problems.push(`${at}.expect.verdict: "complies" or "fails", not ${JSON.stringify(expect.verdict)}`);
      if (expect.clauses !== undefined && !isObject(expect.clauses)) problems.push(`${at}.expect.clauses: an object from clause names to results`);
      if (isObject(expect.clauses)) {
        for (const [k, v] of Object.entries(expect.clauses)) {
          const named = clauseNamed(k);
          if (typeof named !== 'string') problems.push(`${at}.expect.clauses.${k}: ${named.error}`);
          if (typeof v !== 'string' || !RESULT.test(v)) problems.push(`${at}.expect.clauses.${k}: "holds", "fails", "fails at step K" or "not reached", not ${JSON.stringify(v)}`);
          else if (typeof named === 'string' && named.startsWith('attest') && /step|not reached/.test(v)) problems.push(`${at}.expect.clauses.${k}: an attest holds or fails once, at genesis`);
        }
      }
      if (expect.outputs !== undefined && !isObject(expect.outputs)) problems.push(`${at}.expect.outputs: an object from output names to their text`);
      if (isObject(expect.outputs)) {
        for (const [k, v] of Object.entries(expect.outputs)) {
          if (!outputs.includes(k)) problems.push(`${at}.expect.outputs.${k}: no output '${k}' in policy ${policy.artifact.policy.name} (it has ${outputs.join(', ') || 'none'})`);
          if (typeof v !== 'string') problems.push(`${at}.expect.outputs.${k}: the output's text as zpol eval prints it ("11136 FLOP"), not ${JSON.stringify(v)}`);
        }
      }
    }
    if (problems.length === 0) for (const p of recordProblems(policy, c.spec, c.steps as unknown[])) problems.push(`${at}.${p.record.startsWith('step ') ? `steps[${Number(p.record.slice(5)) - 1}]` : 'spec'}${p.path ? `.${p.path}` : ''}: ${p.problem}`);
    if (problems.length > 0 || !isObject(expect)) return { name, passed: false, problems, clauses: {} };

    const report = evaluateRun(policy, program, c.spec, c.steps as unknown[]);
    const results = resultsOf(report);
    if (report.disagreements.length > 0) problems.push(...report.disagreements.map((d) => `zpol bug: the machine and the interpreter disagree: ${d}`));
    const verdict = report.ok ? 'complies' : 'fails';
    const why = report.failure ? ` (${report.failure.clause} at ${report.failure.kind === 'genesis' ? 'genesis' : `step ${report.failure.step}`}: ${report.failure.message})` : '';
    if (expect.verdict !== undefined && expect.verdict !== verdict) problems.push(`verdict: expected ${expect.verdict}, got ${verdict}${why}`);
    for (const [k, v] of Object.entries((expect.clauses ?? {}) as Record<string, string>)) {
      const key = clauseNamed(k) as string;
      if (!meets(v, results[key])) problems.push(`${key}: expected ${v}, got ${results[key] ?? 'not reached'}${results[key]?.startsWith('fails') ? why : ''}`);
    }
    for (const [k, v] of Object.entries((expect.outputs ?? {}) as Record<string, string>)) {
      const got = report.outputs.find((o) => o.name === k)?.text;
      if (got !== v) problems.push(`output ${k}: expected ${v}, got ${got ?? `none (the run ${report.ok ? 'revealed nothing' : 'fails, so nothing is revealed'})`}`);
    }
    return { name, passed: problems.length === 0, problems, clauses: results };
  });

  const coverage = clauses.map((clause) => ({
    clause,
    held: cases.some((c) => c.clauses[clause] === 'holds'),
    failed: cases.some((c) => c.clauses[clause]?.startsWith('fails') ?? false),
  }));
  const notRun = [...policy.artifact.clauses.filter((c) => c.kind === 'verify').map((c) => `verify ${c.name}`), ...counting];
  return { file, policy: policy.artifact.policy.name, cases, coverage, notRun };
}

/** The report for people. */
export function formatTestResults(results: readonly FileResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.error) {
      lines.push(`${r.file}: ERROR: ${r.error}`);
      continue;
    }
    lines.push(`${r.file}: policy ${r.policy}`);
    for (const c of r.cases) {
      lines.push(`  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}`);
      for (const p of c.problems) lines.push(`         ${p}`);
    }
    const full = r.coverage.filter((c) => c.held && c.failed).length;
    lines.push(`  coverage: ${full} of ${r.coverage.length} clauses seen both holding and failing`);
    for (const c of r.coverage) {
      if (c.held && c.failed) continue;
      lines.push(`    ${c.clause}: ${!c.held && !c.failed ? 'never evaluated' : c.held ? 'never fails in a case' : 'never holds in a case'}`);
    }
    if (r.notRun.length > 0) lines.push(`    not run (compute checks, label counts and weights read the run's tensors): ${r.notRun.join(', ')}`);
  }
  const cases = results.flatMap((r) => r.cases);
  const failed = cases.filter((c) => !c.passed).length;
  const broken = results.filter((r) => r.error).length;
  lines.push(`${results.length} test file${results.length === 1 ? '' : 's'}, ${cases.length} case${cases.length === 1 ? '' : 's'}: ${cases.length - failed} passed, ${failed} failed${broken > 0 ? `, ${broken} file${broken === 1 ? '' : 's'} could not run` : ''}`);
  return lines.join('\n');
}
