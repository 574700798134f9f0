// Golden tests for the compiler's diagnostics: test/golden/diagnostics/ZPnnnn[-variant].zpol is a small input that
// triggers code ZPnnnn, and the .expected file beside it holds exactly what `zpol check` prints for it (every
// diagnostic of the program, the input and whatever it imports, in the pretty format, blank lines between; paths
// relative to the repository root; no summary line). Files whose names start with `_` are helpers that goldens
// import (one half of an import cycle, a policy imported as a module); they are not goldens themselves.
//
// `UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` rewrites the .expected files; review the diff.
//
// Every code in DIAGNOSTIC_CODES must appear in some golden's output, and in docs/diagnostics.md, whose example
// outputs must be copied from the goldens: adding a code without a golden and its documentation fails here.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, formatPretty } from '../language/diagnostics.ts';
import { loadProgram } from '../language/program.ts';
import { root, zpol } from './helpers.ts';

process.chdir(root); // diagnostics print paths relative to the working directory

const DIR = 'test/golden/diagnostics';
const GOLDEN_NAME = /^(ZP\d{4})(-[a-z0-9]+(?:-[a-z0-9]+)*)?\.zpol$/;
const update = process.env.UPDATE_GOLDEN === '1';

const entries = readdirSync(join(root, DIR)).sort();
const inputs = entries.filter((f) => GOLDEN_NAME.test(f));
const codeOf = (input: string): string => GOLDEN_NAME.exec(input)![1];
const expectedPath = (input: string): string => join(root, DIR, input.replace(/\.zpol$/, '.expected'));

/** What `zpol check DIR/input` prints before its summary line. */
function render(input: string): string {
  const program = loadProgram([`${DIR}/${input}`]);
  const blocks = program.diagnostics.map((d) => formatPretty(d, program.sources.get(d.file)));
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '';
}

function expectedOutput(input: string): string {
  const path = expectedPath(input);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

describe('diagnostic goldens', () => {
  it('has only golden inputs, their .expected files and `_` helpers in the directory', () => {
    const stray = entries.filter((f) => {
      if (GOLDEN_NAME.test(f) || f.startsWith('_')) return false;
      return !(f.endsWith('.expected') && inputs.includes(f.replace(/\.expected$/, '.zpol')));
    });
    expect(stray).toEqual([]);
  });

  it.each(inputs)('%s', (input) => {
    const actual = render(input);
    if (update) writeFileSync(expectedPath(input), actual);
    expect(actual).toBe(expectedOutput(input));
    // A golden named for a code must report that code.
    expect(actual).toMatch(new RegExp(`^\\S+:\\d+:\\d+: (error|warning) ${codeOf(input)}: `, 'm'));
  });

  it('covers every code in DIAGNOSTIC_CODES, with its registered severity', () => {
    const outputs = inputs.map(expectedOutput).join('\n');
    const missing = Object.entries(DIAGNOSTIC_CODES)
      .filter(([code, { severity }]) => !outputs.includes(` ${severity} ${code}: `))
      .map(([code]) => code);
    expect(missing).toEqual([]);
  });

  it('reports nothing but registered codes', () => {
    const reported = new Set(inputs.flatMap((i) => [...expectedOutput(i).matchAll(/^\S+:\d+:\d+: (?:error|warning) (ZP\d{4}): /gm)].map((m) => m[1])));
    expect([...reported].filter((code) => !(code in DIAGNOSTIC_CODES))).toEqual([]);
  });

  it('prints what the CLI prints', () => {
    const input = 'ZP3001.zpol';
    const result = zpol(['check', `${DIR}/${input}`]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`${expectedOutput(input)}\nchecked 1 file: 1 error, 0 warnings\n`);
  });
});

describe('docs/diagnostics.md', () => {
  const docPath = join(root, 'docs/diagnostics.md');
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';

  it.each(Object.entries(DIAGNOSTIC_CODES))('documents %s with its severity and summary', (code, { severity, summary }) => {
    expect(doc).toContain(`\n### ${code}: ${summary} (${severity})\n`);
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^### (ZP\d{4})\b/gm)].map((m) => m[1]);
    expect(documented.filter((code) => !(code in DIAGNOSTIC_CODES))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('shows only example outputs that a golden produces, each under its own code', () => {
    const goldens = inputs.map(expectedOutput);
    const sections = doc.split(/^(?=### ZP\d{4})|^(?=## )/m).filter((s) => s.startsWith('### ZP'));
    expect(sections.length).toBe(Object.keys(DIAGNOSTIC_CODES).length);
    for (const section of sections) {
      const code = section.slice(4, 10);
      const examples = [...section.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]);
      expect(examples.length, `${code} has an example`).toBeGreaterThan(0);
      for (const example of examples) {
        expect(example, `${code}'s example`).toMatch(new RegExp(` ${code}: `));
        expect(goldens.some((g) => g.includes(example)), `${code}'s example is in a golden:\n${example}`).toBe(true);
      }
    }
  });
});
