/**
 * What an editor shows for the name or expression under the cursor: the declaration it stands for (written as
 * zpol), its type and unit, its value when it is a constant, the description of a clause, the comment above a
 * declaration, the source and deprecation of a threshold, and where the name comes from (this file, a module of
 * the standard library, another file, or built in). Markdown; the language server adds a clause's proving cost.
 */
import * as A from '../ast.ts';
import type { ExpressionChecker } from '../checker/expressions.ts';
import { dimToString, isDimensionless, typeToString, type Type } from '../checker/types.ts';
import { formatValue } from '../checker/values.ts';
import { STDLIB_DIR, displayPath, type CheckedFile, type Program } from '../program.ts';
import { nodePathAt } from './locate.ts';
import { FileIndex, targetAt, type Target } from './targets.ts';

export interface HoverResult {
  /** Markdown. */
  markdown: string;
  span: A.Span;
  /** What the hover is about, when it is a name (the server adds a clause's cost). */
  target?: Target;
}

/** What the built-in functions do, for hovers and completion. */
export const BUILTIN_DOCS: Readonly<Record<string, { signature: string; doc: string }>> = {
  sum: { signature: 'sum(xs: [T; N]): T', doc: 'The sum of an array of numbers, in their unit.' },
  min: { signature: 'min(a: T, b: T): T  |  min(xs: [T; N]): T', doc: 'The smaller of two numbers of the same unit, or the least element of an array.' },
  max: { signature: 'max(a: T, b: T): T  |  max(xs: [T; N]): T', doc: 'The larger of two numbers of the same unit, or the greatest element of an array.' },
  len: { signature: 'len(xs: [T; N]): int', doc: 'The length of an array, a constant.' },
  ceil: { signature: 'ceil(x: ratio U): int U', doc: 'The least whole number at or above `x`, in its unit.' },
  floor: { signature: 'floor(x: ratio U): int U', doc: 'The greatest whole number at or below `x`, in its unit.' },
  abs: { signature: 'abs(x: T): T', doc: 'The absolute value, in its unit.' },
  rows: { signature: 'rows(step.F: digest): int', doc: 'The rows of the tensor step.F commits, bound in the step proof by the compute check that opens it.' },
  count_labels: {
    signature: 'count_labels(step.F: digest, rows: int, n: int): [int; n]',
    doc: 'How many of the `rows` source labels committed in step.F (a [rows, 1] tensor) are 0, 1, ..., n − 1; the step proof reads every label, rebuilds the root and checks each is below n.',
  },
  from_sources: {
    signature: 'from_sources(step.L: digest, step.X: digest, spec.D: [digest; n], names: [Enum; n], examples: [int; n], cols: int, samples: int, grinding?: int): bool',
    doc: "Membership sampling: the step proof draws `samples` rows of the batch step.X after its labels (step.L) and rows are committed, and opens each, with its example, in the dataset root spec.D[s] of the source s its label names; a row that is not an example of that source fails the proof, naming the clause. `names` are the sources in registry order. With `grinding`, the rows are drawn behind the proof of work that makes redrawing them (committing again) cost that many bits with a quarter of the rows wrong.",
  },
  embeds: {
    signature: 'embeds(step.X: digest, step.IDS: digest, step.E: digest, rows: int, seq: int, samples: int, grinding?: int): bool',
    doc: "Inputs tied to data: step.IDS commits the batch's token ids ([rows, seq], bf16 whole numbers), step.X the embedded input ([rows·seq, d], token (r, j) at row r·seq + j) and step.E the embedding table ([v, d], opened by a compute check: a tied output head's b). The step proof draws `samples` token positions after the three are committed and checks each input row is the table's row for its id; one that is not fails the proof, naming the clause. With `grinding`, the positions are drawn behind the proof of work that makes redrawing them cost that many bits with a quarter of the rows wrong.",
  },
  weight_params: {
    signature: 'weight_params(spec.W: digest, tensors: int): int param',
    doc: "The parameter count of the committed initial weights: Σ rows · cols over the `tensors` tensors of the layout whose root is spec.W (weights.json). The genesis proof reads the layout, rebuilds its root and sums it; call it in an attest claim.",
  },
  weight_layers: {
    signature: 'weight_layers(spec.W: digest, tensors: int): int',
    doc: "The transformer layers of the committed initial weights: the highest block of an attention tensor + 1 (0 without attention), from the layout whose root is spec.W, derived in the genesis proof; kinds and blocks follow the tensors' names (docs/run.md, \"Weights\").",
  },
  weight_experts: {
    signature: 'weight_experts(spec.W: digest, tensors: int): int',
    doc: "The experts of the committed initial weights: the rows of their router tensors (which must agree), 1 without a router (a dense model), from the layout whose root is spec.W, derived in the genesis proof.",
  },
  weight_tensor: {
    signature: 'weight_tensor(STATE: digest, tensors: int, name: string)',
    doc: "A verify clause's `weights` setting: b is the tensor `name` of the committed weights, whose layout (`tensors` tensors) the state field holds as the step begins (weights.json at genesis, then each step's committed update). The step proof reads that layout, rebuilds its root and fails, naming the clause, unless exactly one tensor has that name and its root and shape are b's, and unless the layout lists the initial layout's tensors (the spec field the state starts from) with their names, kinds, blocks and shapes: an update changes roots only.",
  },
};

/** The built-in units' meanings. */
export const BUILTIN_UNIT_DOCS: Readonly<Record<string, string>> = {
  FLOP: 'floating-point operations',
  token: 'training tokens',
  param: 'model parameters',
  byte: 'bytes',
  s: 'seconds',
};

/** The hover for `offset` in `file`, or undefined where there is nothing to say. */
export function hoverAt(program: Program, file: CheckedFile, offset: number): HoverResult | undefined {
  const index = new FileIndex(file);
  const found = targetAt(index, offset);
  const typeHere = expressionTypeAt(file, offset);
  if (found) {
    const parts = [describeTarget(program, found.target, file.path)];
    if (typeHere && typeHere.span.start.offset === found.span.start.offset && found.target.kind !== 'const' && found.target.kind !== 'member') {
      parts.push(`Type here: ${typeLine(typeHere.type)}`);
    }
    return { markdown: parts.filter(Boolean).join('\n\n'), span: found.span, target: found.target };
  }
  if (typeHere) return { markdown: `${code(file.text.slice(typeHere.span.start.offset, typeHere.span.end.offset).split('\n')[0]!)}\n\n${typeLine(typeHere.type)}`, span: typeHere.span };
  return undefined;
}

/** The innermost checked expression under the cursor and its type. */
function expressionTypeAt(file: CheckedFile, offset: number): { type: Type; span: A.Span } | undefined {
  const path = nodePathAt(file.ast, offset);
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i]!;
    const t = file.checker.types.get(n as A.Expr);
    if (t && t.kind !== 'error') return { type: t, span: n.span };
  }
  return undefined;
}

/** `int FLOP` · unit FLOP, or no unit. */
export function typeLine(t: Type): string {
  const unit = unitOf(t);
  return `\`${typeToString(t)}\`${unit === undefined ? '' : unit === '1' ? ' · no unit' : ` · unit \`${unit}\``}`;
}

function unitOf(t: Type): string | undefined {
  if (t.kind === 'num') return isDimensionless(t.dim) ? '1' : dimToString(t.dim);
  if (t.kind === 'array') return unitOf(t.element);
  return undefined;
}

function code(text: string): string {
  return `\`\`\`zpol\n${text}\n\`\`\``;
}

function checkerOf(program: Program, path: string): ExpressionChecker | undefined {
  return program.files.get(path)?.checker;
}

function sourceOf(program: Program, path: string): string | undefined {
  return program.files.get(path)?.text;
}

/** The markdown describing a target: its declaration, type, value, documentation and origin. */
export function describeTarget(program: Program, t: Target, from: string): string {
  const parts: string[] = [];
  const text = t.kind === 'builtin' || (t.kind === 'unit' && !t.decl) || t.kind === 'module' ? undefined : sourceOf(program, t.file!);
  const slice = (n: A.Node | null | undefined) => (n && text !== undefined ? text.slice(n.span.start.offset, n.span.end.offset) : '');
  switch (t.kind) {
    case 'const': {
      const checker = checkerOf(program, t.file);
      const type = checker?.constType(t.decl);
      const value = checker?.constValue(t.decl);
      const typeText = t.decl.type ? slice(t.decl.type) : type ? typeToString(type) : '?';
      parts.push(code(`const ${t.decl.name.name}: ${typeText} = ${oneLine(slice(t.decl.value))}`));
      if (value) {
        const unit = type ? unitOf(type) : undefined;
        parts.push(`Value: \`${formatValue(value)}${unit && unit !== '1' ? ` ${unit}` : ''}\`${type ? ` · ${typeLine(type)}` : ''}`);
      } else if (type) parts.push(`Type: ${typeLine(type)}`);
      if (t.decl.source) parts.push(`Source: ${t.decl.source.value}`);
      if (t.decl.deprecated) parts.push(`**Deprecated:** ${t.decl.deprecated.value}`);
      break;
    }
    case 'fn': {
      const header = text !== undefined ? text.slice(t.decl.span.start.offset, t.decl.body.span.start.offset).replace(/\s*=\s*$/, '') : t.decl.name.name;
      parts.push(code(oneLine(header)));
      break;
    }
    case 'enum':
      parts.push(code(`enum ${t.decl.name.name} { ${t.decl.members.map((m) => m.name).join(', ')} }`));
      break;
    case 'member': {
      const i = t.enumDecl.members.indexOf(t.member);
      parts.push(code(`${t.enumDecl.name.name}.${t.member.name}`));
      parts.push(`Member ${i + 1} of ${t.enumDecl.members.length} of enum \`${t.enumDecl.name.name}\` (${t.enumDecl.members.map((m) => m.name).join(', ')})`);
      break;
    }
    case 'unit':
      parts.push(code(`unit ${t.name}`));
      parts.push(t.decl ? 'A unit of measure declared with `unit`.' : `A built-in unit of measure: ${BUILTIN_UNIT_DOCS[t.name] ?? t.name}.`);
      break;
    case 'field': {
      const f = t.field;
      const initial = f.initial ? ` = ${oneLine(slice(f.initial))}` : '';
      parts.push(code(`${t.record} { ${f.isPublic ? 'public ' : ''}${f.name.name}: ${oneLine(slice(f.type))}${initial} }`));
      parts.push(
        t.record === 'spec'
          ? f.isPublic
            ? 'A field of the training specification, **public**: revealed in every proof.'
            : 'A field of the training specification, **private**: committed once at genesis, never revealed.'
          : t.record === 'step'
            ? 'A field of each step record, **private**: committed per step, never revealed.'
            : 'A state field, **private**: carried from step to step, updated by `on step`.',
      );
      break;
    }
    case 'local': {
      const checker = checkerOf(program, t.file);
      const type = t.node.kind === 'LetStmt' ? checker?.types.get(t.node.value) : undefined;
      if (t.node.kind === 'Param') parts.push(code(`${t.name.name}: ${oneLine(slice(t.node.type))}`), 'A parameter of the function.');
      else if (t.node.kind === 'ForStmt') parts.push(code(`for ${t.name.name} in ${oneLine(slice(t.node.from))}..${oneLine(slice(t.node.to))}`), 'A loop variable: `int`, no unit.');
      else parts.push(code(`let ${t.name.name}${type ? `: ${typeToString(type)}` : ''}`), ...(type ? [`Type: ${typeLine(type)}`] : []));
      break;
    }
    case 'builtin': {
      const doc = BUILTIN_DOCS[t.name];
      parts.push(code(doc?.signature ?? `${t.name}(...)`));
      if (doc) parts.push(doc.doc);
      break;
    }
    case 'clause': {
      const d = t.decl;
      const kind = d.kind === 'VerifyDecl' ? 'verify' : d.clause;
      const checker = checkerOf(program, t.file);
      const type = d.kind === 'ClauseDecl' ? checker?.types.get(d.value) : undefined;
      parts.push(code(`${kind} ${d.name.name}${type ? `: ${typeToString(type)}` : ''}`));
      if (d.description) parts.push(`"${d.description.value}"`);
      parts.push(CLAUSE_MEANING[kind]);
      if (d.kind === 'ClauseDecl' && d.reveal) parts.push(`Revealed: ${d.reveal.value}`);
      if (type && kind === 'output') parts.push(`Type: ${typeLine(type)}`);
      break;
    }
    case 'module': {
      const file = program.files.get(t.file);
      const header = file?.ast.header;
      const name = header?.kind === 'ModuleHeader' ? header.path.map((p) => p.name).join('.') : nameOfModuleFile(t.file);
      parts.push(code(`module ${name}`));
      if (header?.description) parts.push(header.description.value);
      parts.push(`File: \`${t.file}\``);
      return parts.join('\n\n');
    }
  }
  const doc = t.kind === 'const' || t.kind === 'fn' || t.kind === 'enum' || t.kind === 'clause' || (t.kind === 'unit' && t.decl) ? leadingComment(program, t.file!, t.kind === 'unit' ? t.decl! : t.decl) : t.kind === 'field' ? leadingComment(program, t.file, t.field) : '';
  if (doc) parts.push(doc);
  parts.push(originOf(program, t, from));
  return parts.filter(Boolean).join('\n\n');
}

const CLAUSE_MEANING: Record<string, string> = {
  attest: 'An attest claim: proven once, at genesis, about the specification.',
  invariant: 'An invariant: proven at genesis and after every step, about the state.',
  output: 'An output: computed in the attestation and disclosed to every verifier.',
  verify: 'A compute check: each step proof recomputes sampled entries of a committed matrix product.',
};

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function nameOfModuleFile(path: string): string {
  return path.replace(/^.*[\\/]/, '').replace(/\.zpol$/, '');
}

/** Where a target comes from, in words: built in, this file, a module of the standard library, another file. */
export function originOf(program: Program, t: Target, from: string): string {
  if (t.kind === 'builtin' || (t.kind === 'unit' && !t.decl)) return '_Built in._';
  const file = t.file!;
  const decl = t.kind === 'const' || t.kind === 'fn' || t.kind === 'enum' || t.kind === 'clause' ? t.decl : t.kind === 'member' ? t.member : t.kind === 'unit' ? t.decl : t.kind === 'field' ? t.field : t.kind === 'local' ? t.name : null;
  const line = decl ? `, line ${decl.span.start.line}` : '';
  if (file === from) return `_Declared in this file${line}._`;
  const header = program.files.get(file)?.ast.header;
  const isStd = displayPath(file).startsWith(displayPath(STDLIB_DIR)) || (header?.kind === 'ModuleHeader' && header.path[0]?.name === 'std');
  const moduleName = header?.kind === 'ModuleHeader' ? header.path.map((p) => p.name).join('.') : nameOfModuleFile(file);
  return isStd ? `_From the standard library: \`${moduleName}\` (\`${file}\`${line})._` : `_From \`${moduleName}\` (\`${file}\`${line})._`;
}

/**
 * The comment block just above a declaration (full-line comments on the lines right before it), or a comment
 * trailing its first line, as text.
 */
function leadingComment(program: Program, path: string, decl: A.Node): string {
  const file = program.files.get(path);
  if (!file) return '';
  const lines = file.text.split('\n');
  const byLine = new Map<number, A.Comment>();
  for (const c of file.ast.comments) byLine.set(c.span.start.line, c);
  const fullLine = (c: A.Comment) => (lines[c.span.start.line - 1] ?? '').slice(0, c.span.start.column - 1).trim() === '';
  const block: string[] = [];
  for (let l = decl.span.start.line - 1; l >= 1; l--) {
    const c = byLine.get(l);
    if (!c || !fullLine(c)) break;
    block.unshift(c.text.replace(/^\/\/ ?/, ''));
  }
  const trailing = byLine.get(decl.span.start.line);
  if (block.length === 0 && trailing && !fullLine(trailing)) block.push(trailing.text.replace(/^\/\/ ?/, ''));
  if (block.length === 0) return '';
  return block.join('\n').trim();
}
