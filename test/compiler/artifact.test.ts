import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { compileFile } from '../../compiler/index.ts';
import { decodeArtifact, encodeArtifact } from '../../compiler/artifact.ts';
import { executionCounts, programCost } from '../../runtime/vm/costs.ts';
import { zpol } from '../helpers.ts';

const policies = readdirSync('policies').filter((f) => f.endsWith('.zpol'));
const zcpSchema = JSON.parse(readFileSync('schemas/zcp.schema.json', 'utf8'));

function compiled(f: string) {
  const r = compileFile(`policies/${f}`);
  if (!r.ok) throw new Error(`${f}: ${r.error ?? r.diagnostics.map((d) => d.message).join('; ')}`);
  return r;
}

describe('the .zcp artifact', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validateZcp = ajv.compile(zcpSchema);

  it.each(policies)('%s: validates against its own schema and decodes back', (f) => {
    const { artifact, compiled: c } = compiled(f);
    const bytes = encodeArtifact(artifact);
    const parsed = JSON.parse(new TextDecoder().decode(bytes));
    expect(validateZcp(parsed), JSON.stringify(validateZcp.errors)).toBe(true);
    const decoded = decodeArtifact(bytes);
    expect(decoded.programs.step).toEqual(c.programs.step);
    // The record schemas are valid JSON Schemas.
    expect(() => ajv.compile(artifact.schemas.spec)).not.toThrow();
    expect(() => ajv.compile(artifact.schemas.step)).not.toThrow();
    // Every assertion of every program maps to a clause or a record.
    for (const k of ['genesis', 'step', 'attestation'] as const) {
      for (const e of artifact.sourceMap[k]) expect(e.kind).not.toBe('program');
    }
  });

  it('the demo step schema accepts a record and names what is wrong with a bad one', () => {
    const { artifact } = compiled('demo.zpol');
    const validate = ajv.compile(artifact.schemas.step);
    const root = '0'.repeat(64);
    expect(validate({ tokens: 16, tokens_by_source: ['8', 8], x_root: root, w1_root: root, h_root: root, labels_root: root, weights_root: root })).toBe(true);
    expect(validate({ tokens: -1, tokens_by_source: [8, 8], x_root: root, w1_root: root, h_root: root, labels_root: root, weights_root: root })).toBe(false);
    expect(validate({ tokens: 16, tokens_by_source: [8], x_root: root, w1_root: root, h_root: root, labels_root: root, weights_root: root })).toBe(false);
    expect(validate({ tokens: 16, tokens_by_source: [8, 8], x_root: 'xyz', w1_root: root, h_root: root, labels_root: root, weights_root: root })).toBe(false);
  });

  it('a changed program no longer matches its digest', () => {
    const { artifact } = compiled('demo.zpol');
    const bytes = Buffer.from(artifact.programs.step.encoding, 'base64');
    bytes[40] ^= 1;
    const tampered = { ...artifact, programs: { ...artifact.programs, step: { ...artifact.programs.step, encoding: bytes.toString('base64') } } };
    expect(() => decodeArtifact(encodeArtifact(tampered))).toThrow(/step program|not a zkVM program/);
    expect(() => decodeArtifact(new TextEncoder().encode('{"format":"something else"}'))).toThrow(/not a compiled policy/);
  });

  it('costs count every chip row of a program, its bounded loops run as many times as they count', () => {
    const { compiled: c } = compiled('demo.zpol');
    const cost = programCost(c.programs.step, c.regions.step);
    // The compute check's 56 samples are a loop of 7 iterations: more cycles than instructions (the labels' 16
    // leaves and tree, and from_sources' 8 samples, are straight-line).
    expect(cost.instructions).toBe(c.programs.step.instructions.length);
    expect(cost.cycles).toBe(executionCounts(c.programs.step).reduce((a, b) => a + b, 0));
    expect(cost.cycles).toBeGreaterThan(2 * cost.instructions);
    expect(cost.tables.find((t) => t.table === 'program-rom')!.used).toBe(cost.instructions);
    expect(cost.tables.find((t) => t.table === 'cpu')!.used).toBe(cost.cycles);
    expect(cost.clauses.map((r) => r.name)).toContain('under_flop_cap');
    expect(cost.clauses.reduce((s, r) => s + r.cycles, 0)).toBeLessThanOrEqual(cost.cycles);
  });
});

describe('zpol compile and zpol info', () => {
  it('compile writes the same bytes twice; info reads the policy and the artifact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-compile-'));
    const a = join(dir, 'a.zcp');
    const b = join(dir, 'b.zcp');
    expect(zpol(['compile', 'policies/demo.zpol', '-o', a]).status).toBe(0);
    expect(zpol(['compile', 'policies/demo.zpol', '-o', b]).status).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const info = zpol(['info', a, '--format', 'json']);
    expect(info.status).toBe(0);
    const report = JSON.parse(info.stdout);
    expect(report.policy).toBe('demo');
    expect(report.step.tables.map((t: { table: string }) => t.table)).toContain('poseidon2');
    const pretty = zpol(['info', 'policies/demo.zpol']);
    expect(pretty.stdout).toMatch(/invariant under_flop_cap/);
  }, 60_000);

  it('bad input: an artifact that is not one, a policy with errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-compile-'));
    const junk = join(dir, 'junk.zcp');
    writeFileSync(junk, 'not json');
    const r = zpol(['info', junk]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/junk.zcp: not a compiled policy/);
    const bad = join(dir, 'bad.zpol');
    writeFileSync(bad, 'policy bad version 1\ninvariant x: nope\n');
    const c = zpol(['compile', bad, '-o', join(dir, 'bad.zcp')]);
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/bad.zpol:2/);
    expect(readdirSync(dir)).not.toContain('bad.zcp');
  }, 60_000);
});
