import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { loadProgram } from '../../language/program.ts';
import type * as A from '../../language/ast.ts';
import { num, type Value } from '../../language/checker/values.ts';
import { compilePolicy } from '../../compiler/compile.ts';
import { commitWords, recordWords, type RecordValues, type RunValue } from '../../compiler/witness.ts';
import { encodeProgram } from '../../runtime/vm/program.ts';
import { execute, VmError } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution } from '../../runtime/vm/machine.ts';
import { word } from '../fixtures/sample-programs.ts';
import { fieldWord } from '../../runtime/vm/word.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';
import { demoDatasets } from '../fixtures/demo-step.ts';

const policies = readdirSync('policies').filter((f) => f.endsWith('.zpol'));

function load(path: string) {
  const p = loadProgram([path]);
  expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { program: p, root: p.roots[0]! };
}

describe('compiling policies', () => {
  it.each(policies)('%s compiles to three programs, the same bytes every time', (f) => {
    const a = load(`policies/${f}`);
    const b = load(`policies/${f}`);
    const x = compilePolicy(a.program, a.root);
    const y = compilePolicy(b.program, b.root);
    for (const kind of ['genesis', 'step', 'attestation'] as const) {
      expect(x.programs[kind].instructions.length).toBeGreaterThan(0);
      expect(Buffer.from(encodeProgram(x.programs[kind])).equals(Buffer.from(encodeProgram(y.programs[kind])))).toBe(true);
    }
  });
});

describe('the demo policy in the machine', () => {
  const { program, root } = load('policies/demo.zpol');
  // The records, the state and the clauses; the compute check, which needs tensors, is test/compiler/verify.test.ts's.
  const compiled = compilePolicy(program, root, { computeChecks: false });
  const fields = (record: 'spec' | 'step' | 'state') =>
    root.ast.decls.filter((d): d is A.RecordDecl => d.kind === 'RecordDecl' && d.record === record).flatMap((d) => d.fields);
  const enumDecl = (name: string) => {
    for (const f of program.files.values()) for (const d of f.ast.decls) if (d.kind === 'EnumDecl' && d.name.name === name) return d;
    throw new Error(`no enum ${name}`);
  };
  const int = (n: bigint | number): Value => num(BigInt(n));
  const spec: RecordValues = new Map<string, RunValue>([
    ['arch', { kind: 'enum', decl: enumDecl('ArchClass'), member: 'mlp' }],
    ['params', int(58)],
    ['d_in', int(4)],
    ['d_hidden', int(8)],
    ['d_out', int(2)],
    ['batch_rows', int(16)],
    ['datasets', { kind: 'array', elements: demoDatasets().map((d) => ({ kind: 'digest', words: d.root }) as RunValue) }],
    ['weights', { kind: 'digest', words: word(5) }],
  ]);
  // The weights' layout root: spec.weights (word 5) at genesis, then each step's weights_root (word 6).
  const state = (flops: bigint, tokens: bigint, bySource: [bigint, bigint], weights = word(5)): RecordValues =>
    new Map<string, RunValue>([
      ['total_flops', int(flops)],
      ['total_tokens', int(tokens)],
      ['by_source', { kind: 'array', elements: bySource.map(int) }],
      ['weights', { kind: 'digest', words: weights }],
    ]);
  const step: RecordValues = new Map<string, RunValue>([
    ['tokens', int(16)],
    ['tokens_by_source', { kind: 'array', elements: [int(8), int(8)] }],
    ['x_root', { kind: 'digest', words: word(1) }],
    ['w1_root', { kind: 'digest', words: word(2) }],
    ['h_root', { kind: 'digest', words: word(3) }],
    ['labels_root', { kind: 'digest', words: word(4) }],
    ['weights_root', { kind: 'digest', words: word(6) }],
  ]);
  const words = (record: 'spec' | 'step' | 'state', v: RecordValues) => recordWords(root.checker, fields(record), v, record);
  const [specBlind, prevBlind, stepBlind, nextBlind] = [word(11), word(12), word(13), word(14)];
  const specC = commitWords(specBlind, words('spec', spec));

  function stepRun(prev: RecordValues) {
    const tape = [specBlind, ...words('spec', spec), prevBlind, ...words('state', prev), stepBlind, ...words('step', step), nextBlind];
    const publics = [specC, commitWords(prevBlind, words('state', prev)), commitWords(stepBlind, words('step', step))];
    return { publicInputs: publics, privateInputs: tape };
  }
  const stateAt = (exec: { finalMemory: readonly (readonly number[])[] }, kind: 'genesis' | 'step') => compiled.stateAddresses[kind].map((a) => exec.finalMemory[a]);

  it('genesis checks the attest claims, commits the initial state and reveals the public spec fields', () => {
    const initial = state(0n, 0n, [0n, 0n]);
    const exec = execute(compiled.programs.genesis, { publicInputs: [specC], privateInputs: [specBlind, ...words('spec', spec), prevBlind] });
    // The state commitment, then the public spec fields: arch, and the two dataset roots (#20).
    expect(exec.publicOutputs).toEqual([
      commitWords(prevBlind, words('state', initial)),
      fieldWord(enumDecl('ArchClass').members.findIndex((m) => m.name === 'mlp')),
      ...demoDatasets().map((d) => d.root),
    ]);
    expect(stateAt(exec, 'genesis')).toEqual(words('state', initial));
    const wrong = new Map(spec);
    wrong.set('params', int(59));
    const wrongC = commitWords(specBlind, words('spec', wrong));
    expect(() => execute(compiled.programs.genesis, { publicInputs: [wrongC], privateInputs: [specBlind, ...words('spec', wrong), prevBlind] })).toThrow(/attest params_match_layers failed: The parameter count is that of two biased linear layers \(demo.zpol:\d+:1\)/);
  });

  it('a step moves the state as `on step` says, proves and verifies', () => {
    const run = stepRun(state(0n, 0n, [0n, 0n]));
    const exec = execute(compiled.programs.step, run);
    const next = state(6n * 58n * 16n, 16n, [8n, 8n], word(6));
    expect(exec.publicOutputs).toEqual([commitWords(nextBlind, words('state', next))]);
    expect(stateAt(exec, 'step')).toEqual(words('state', next));
    const m = machine(compiled.programs.step, plainPcs as never);
    const proof = proveExecution(m, exec, { seed: 'demo step' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    // Another new state (one the policy does not produce) does not verify.
    const lie = [commitWords(nextBlind, words('state', state(6n * 58n * 16n - 1n, 16n, [8n, 8n], word(6))))];
    expect(verifyExecution(m, exec.publicInputs, lie, proof.stark).ok).toBe(false);
  }, 60_000);

  it('a step over the FLOP cap fails with the invariant named', () => {
    const cap = 10n ** 12n;
    const run = stepRun(state(cap - 100n, 1000n, [500n, 500n]));
    let error: unknown;
    try {
      execute(compiled.programs.step, run);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VmError);
    expect((error as VmError).message).toMatch(/invariant under_flop_cap failed: Cumulative training compute at most 1e12 FLOP \(demo.zpol:\d+:1\)/);
  });

  it('a data mixture outside its bounds fails its invariant', () => {
    const run = stepRun(state(0n, 100n, [90n, 10n]));
    expect(() => execute(compiled.programs.step, run)).toThrow(/invariant synthetic_share failed/);
  });

  it('the attestation reveals the declared output', () => {
    const final = state(5568n, 16n, [8n, 8n]);
    const exec = execute(compiled.programs.attestation, {
      publicInputs: [specC, commitWords(prevBlind, words('state', final))],
      privateInputs: [specBlind, ...words('spec', spec), prevBlind, ...words('state', final)],
    });
    expect(compiled.outputs.map((o) => o.name)).toEqual(['total_compute']);
    expect(exec.publicOutputs[0]![0]).toBe(5568);
  });
});
