// The language service (language/service/) in-process: what a name stands for, its hover, its uses, the
// completions at a cursor and a file's outline, on an unsaved policy in policies/ (so `use std...` resolves as
// for the shipped policies). test/cli/lsp.test.ts drives the same answers through the language server.
import { describe, expect, it } from 'vitest';
import { loadProgram } from '../language/index.ts';
import { completionsAt, definitionOf, FileIndex, hoverAt, outlineOf, referencesTo, targetAt } from '../language/service/index.ts';

const PATH = 'policies/__service_test.zpol';
const TEXT = `policy svc version 1 "Service test"

use std.arch.{ArchClass, linear_params}

// The cap, in FLOP.
const CAP = 1e20 FLOP
  source "a test"

fn twice(x: int FLOP): int FLOP = x + x

spec {
  public arch: ArchClass
  params: int param
}

state {
  total: int FLOP = 0 FLOP
}

on step {
  let y = twice(1e3 FLOP)
  total += y
}

attest dense "Dense": spec.arch == ArchClass.dense_transformer
invariant capped "Under the cap": twice(total) <= CAP
output shown: total
  reveal "the total"
`;

function load(text = TEXT) {
  const program = loadProgram([PATH], undefined, new Map([[PATH, text]]));
  const file = program.files.get(PATH)!;
  return { program, file };
}

/** The 1-based line of the first occurrence of `needle`. */
const lineOf = (needle: string) => TEXT.slice(0, at(needle)).split('\n').length;

/** The offset `shift` characters into the `n`th occurrence of `needle`. */
function at(needle: string, shift = 0, n = 1, text = TEXT): number {
  let i = -1;
  for (let k = 0; k < n; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`'${needle}' not found`);
  return i + shift;
}

describe('language service', () => {
  it('resolves a use of a constant to its declaration and finds every use', () => {
    const { program, file } = load();
    const found = targetAt(new FileIndex(file), at('<= CAP', 4));
    expect(found?.target.kind).toBe('const');
    expect(definitionOf(found!.target)).toMatchObject({ file: PATH, span: { start: { line: lineOf('const CAP'), column: 7 } } });
    const uses = referencesTo(program, found!.target, true).map((p) => `${p.span.start.line}:${p.span.start.column}`);
    expect(uses).toEqual([`${lineOf('const CAP')}:7`, `${lineOf('invariant capped')}:${at('<= CAP', 3) - at('invariant capped') + 1}`]);
    expect(referencesTo(program, found!.target, false)).toHaveLength(1);
  });

  it('tells a local from a constant of the same spelling', () => {
    const { program, file } = load();
    const y = targetAt(new FileIndex(file), at('+= y', 3));
    expect(y?.target).toMatchObject({ kind: 'local', binding: 'let' });
    expect(referencesTo(program, y!.target, true).map((p) => p.span.start.line)).toEqual([lineOf('let y'), lineOf('+= y')]);
  });

  it('goes into the standard library', () => {
    const { file } = load();
    const found = targetAt(new FileIndex(file), at('linear_params}', 3));
    const place = definitionOf(found!.target);
    expect(place?.file).toMatch(/stdlib\/arch\.zpol$/);
    expect(place?.span.start.line).toBe(75);
  });

  it('hovers with the value, unit, source, comment and origin', () => {
    const { program, file } = load();
    const cap = hoverAt(program, file, at('<= CAP', 4))!;
    expect(cap.markdown).toContain('const CAP: int FLOP = 1e20 FLOP');
    expect(cap.markdown).toContain('Value: `1e20 FLOP`');
    expect(cap.markdown).toContain('Source: a test');
    expect(cap.markdown).toContain('The cap, in FLOP.');
    expect(cap.markdown).toContain(`Declared in this file, line ${lineOf('const CAP')}`);
    const member = hoverAt(program, file, at('dense_transformer', 3))!;
    expect(member.markdown).toMatch(/Member \d+ of \d+ of enum `ArchClass`/);
    expect(member.markdown).toContain('From the standard library: `std.arch`');
    const clause = hoverAt(program, file, at('capped', 1))!;
    expect(clause.markdown).toContain('"Under the cap"');
    expect(clause.markdown).toContain('An invariant');
    const expr = hoverAt(program, file, at('x + x', 2))!;
    expect(expr.markdown).toContain('unit `FLOP`');
  });

  it('completes what may stand at the cursor', () => {
    const labels = (text: string, offset: number) => {
      const { program, file } = load(text);
      return completionsAt(program, file, offset).map((c) => c.label);
    };
    const fieldText = TEXT.replace('spec.arch ==', 'spec.');
    expect(labels(fieldText, at('spec.', 5, 1, fieldText))).toEqual(['arch', 'params']);
    expect(labels(TEXT, at('ArchClass.dense', 10))).toContain('moe_transformer');
    expect(labels(TEXT, at('1e20 FLOP', 5))).toEqual(expect.arrayContaining(['FLOP', 'token', 's']));
    const useText = TEXT.replace('use std.arch.{ArchClass, linear_params}', 'use std.');
    expect(labels(useText, at('use std.', 8, 1, useText))).toEqual(expect.arrayContaining(['arch', 'flops', 'thresholds']));
    const exportsText = TEXT.replace('{ArchClass, linear_params}', '{');
    expect(labels(exportsText, at('std.arch.{', 10, 1, exportsText))).toEqual(expect.arrayContaining(['ArchClass', 'linear_params', 'is_transformer']));
    const inBody = labels(TEXT, at('+= y', 3));
    expect(inBody).toEqual(expect.arrayContaining(['y', 'CAP', 'twice', 'total', 'sum', 'spec']));
    expect(labels(TEXT, at('x + x', 1))).toContain('x');
    expect(inBody).not.toContain('FLOP');
  });

  it('outlines the declarations of a file', () => {
    const { file } = load();
    const outline = outlineOf(file.ast, file.text).map((i) => `${i.kind} ${i.name}`);
    expect(outline).toEqual(['module svc', 'constant CAP', 'function twice', 'record spec', 'record state', 'event on step', 'clause dense', 'clause capped', 'clause shown']);
  });
});
