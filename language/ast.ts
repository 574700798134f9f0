/**
 * The `.zpol` abstract syntax tree.
 *
 * Every node carries the span of source text it came from, so that diagnostics, the formatter and later the
 * compiler's source map can point back at the clause a user wrote. Nodes are plain data (no methods, no parent
 * links) so that they serialize, compare and survive Prettier's traversal unchanged.
 */

/** A position in a source file: 0-based offset, 1-based line and column. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

/** A half-open span of source text [start, end). */
export interface Span {
  start: Position;
  end: Position;
}

interface NodeBase {
  span: Span;
}

export interface Identifier extends NodeBase {
  kind: 'Identifier';
  name: string;
}

// ---------------------------------------------------------------------------------------------------------
// Units and types

/** One factor of a unit expression: `FLOP`, `s^-1`. */
export interface UnitFactor extends NodeBase {
  kind: 'UnitFactor';
  name: Identifier;
  exponent: number;
}

/** A unit written in a type: factors joined by `*` and `/` (`ops`); exponents are as written, `/` negates them. */
export interface UnitExpr extends NodeBase {
  kind: 'UnitExpr';
  factors: UnitFactor[];
  /** Source operator before each factor after the first, kept for the formatter. */
  ops: ('*' | '/')[];
}

export type PrimitiveTypeName = 'bool' | 'int' | 'ratio' | 'percent' | 'bf16' | 'f32' | 'digest';

export interface PrimitiveType extends NodeBase {
  kind: 'PrimitiveType';
  name: PrimitiveTypeName;
  unit: UnitExpr | null;
}

export interface NamedType extends NodeBase {
  kind: 'NamedType';
  name: Identifier;
}

export interface ArrayType extends NodeBase {
  kind: 'ArrayType';
  element: TypeNode;
  length: Expr;
}

export type TypeNode = PrimitiveType | NamedType | ArrayType;

// ---------------------------------------------------------------------------------------------------------
// Expressions

/**
 * An exact numeric literal. `text` is the source spelling; the value is the exact rational `num / den`
 * (den > 0, in lowest terms), so `1e25` and `30%` never pass through binary floating point.
 */
export interface NumberLiteral extends NodeBase {
  kind: 'NumberLiteral';
  text: string;
  num: bigint;
  den: bigint;
  /** A unit written right after the number on the same line (`1e25 FLOP`). */
  unit: Identifier | null;
}

export interface BoolLiteral extends NodeBase {
  kind: 'BoolLiteral';
  value: boolean;
}

export interface StringLiteral extends NodeBase {
  kind: 'StringLiteral';
  value: string;
  /** The source spelling, quotes and escapes included. */
  raw: string;
}

export interface NameRef extends NodeBase {
  kind: 'NameRef';
  name: Identifier;
}

export interface MemberExpr extends NodeBase {
  kind: 'MemberExpr';
  object: Expr;
  member: Identifier;
}

export interface IndexExpr extends NodeBase {
  kind: 'IndexExpr';
  object: Expr;
  index: Expr;
}

export interface CallExpr extends NodeBase {
  kind: 'CallExpr';
  callee: Identifier;
  args: Expr[];
}

export type BinaryOp = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/';

export interface BinaryExpr extends NodeBase {
  kind: 'BinaryExpr';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}

export interface UnaryExpr extends NodeBase {
  kind: 'UnaryExpr';
  op: '-' | 'not';
  operand: Expr;
}

/** `value in [low, high]`, inclusive at both ends. */
export interface InRangeExpr extends NodeBase {
  kind: 'InRangeExpr';
  value: Expr;
  low: Expr;
  high: Expr;
}

export interface IfExpr extends NodeBase {
  kind: 'IfExpr';
  condition: Expr;
  then: Expr;
  otherwise: Expr;
}

export interface ArrayLiteral extends NodeBase {
  kind: 'ArrayLiteral';
  elements: Expr[];
}

/** `[value; count]`: `count` copies of `value`. */
export interface ArrayRepeat extends NodeBase {
  kind: 'ArrayRepeat';
  value: Expr;
  count: Expr;
}

export interface ParenExpr extends NodeBase {
  kind: 'ParenExpr';
  inner: Expr;
}

/** Stands in for an expression the parser could not read; its diagnostic has already been reported. */
export interface ErrorExpr extends NodeBase {
  kind: 'ErrorExpr';
}

export type Expr =
  | NumberLiteral
  | BoolLiteral
  | StringLiteral
  | NameRef
  | MemberExpr
  | IndexExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | InRangeExpr
  | IfExpr
  | ArrayLiteral
  | ArrayRepeat
  | ParenExpr
  | ErrorExpr;

// ---------------------------------------------------------------------------------------------------------
// Statements (inside `on step`)

export interface LetStmt extends NodeBase {
  kind: 'LetStmt';
  name: Identifier;
  value: Expr;
}

export interface AssignStmt extends NodeBase {
  kind: 'AssignStmt';
  target: Expr;
  op: '=' | '+=' | '-=';
  value: Expr;
}

export interface ForStmt extends NodeBase {
  kind: 'ForStmt';
  variable: Identifier;
  from: Expr;
  to: Expr;
  body: Stmt[];
}

export type Stmt = LetStmt | AssignStmt | ForStmt;

// ---------------------------------------------------------------------------------------------------------
// Declarations

export interface PolicyHeader extends NodeBase {
  kind: 'PolicyHeader';
  name: Identifier;
  version: NumberLiteral;
  description: StringLiteral | null;
}

export interface ModuleHeader extends NodeBase {
  kind: 'ModuleHeader';
  path: Identifier[];
  description: StringLiteral | null;
}

/** `use std.flops.{a, b}` (path) or `use "./x.zpol".{a, b}` (file). */
export interface UseDecl extends NodeBase {
  kind: 'UseDecl';
  module: { kind: 'std'; path: Identifier[] } | { kind: 'file'; path: StringLiteral };
  names: Identifier[];
}

export interface UnitDecl extends NodeBase {
  kind: 'UnitDecl';
  name: Identifier;
}

export interface ConstDecl extends NodeBase {
  kind: 'ConstDecl';
  name: Identifier;
  type: TypeNode | null;
  value: Expr;
  source: StringLiteral | null;
  deprecated: StringLiteral | null;
}

export interface EnumDecl extends NodeBase {
  kind: 'EnumDecl';
  name: Identifier;
  members: Identifier[];
}

export interface Param extends NodeBase {
  kind: 'Param';
  name: Identifier;
  type: TypeNode;
}

export interface FnDecl extends NodeBase {
  kind: 'FnDecl';
  name: Identifier;
  params: Param[];
  returnType: TypeNode;
  body: Expr;
}

export interface Field extends NodeBase {
  kind: 'Field';
  isPublic: boolean;
  name: Identifier;
  type: TypeNode;
  /** Initial value; present exactly for state fields. */
  initial: Expr | null;
  /**
   * `from CHAIN.NAME` on a public spec field: its value is what the earlier chain whose spec commitment is the
   * digest field CHAIN revealed under NAME (`spec.X` or an output). The verifier checks it when given that chain.
   */
  from: FieldSource | null;
}

export interface FieldSource extends NodeBase {
  kind: 'FieldSource';
  chain: Identifier;
  /** The revealed name in the earlier chain, as its report writes it: `spec.X` or an output's name. */
  path: Identifier[];
}

export type RecordKind = 'spec' | 'step' | 'state';

export interface RecordDecl extends NodeBase {
  kind: 'RecordDecl';
  record: RecordKind;
  fields: Field[];
}

export interface OnStepDecl extends NodeBase {
  kind: 'OnStepDecl';
  body: Stmt[];
}

/** `attest`, `invariant` and `output` share one shape: a named, optionally described expression. */
export interface ClauseDecl extends NodeBase {
  kind: 'ClauseDecl';
  clause: 'attest' | 'invariant' | 'output';
  name: Identifier;
  description: StringLiteral | null;
  value: Expr;
  /** `reveal "why"` on an output that discloses private-derived data. */
  reveal: StringLiteral | null;
}

export interface VerifySetting extends NodeBase {
  kind: 'VerifySetting';
  key: Identifier;
  value: Expr;
}

/**
 * `verify NAME[l in FROM..TO]`: a family of products, one member per l, of which `draws` members are checked per
 * step, drawn after the step's commitments are fixed (compiler/family.ts).
 */
export interface VerifyFamily extends NodeBase {
  kind: 'VerifyFamily';
  variable: Identifier;
  from: Expr;
  to: Expr;
}

export interface VerifyDecl extends NodeBase {
  kind: 'VerifyDecl';
  name: Identifier;
  /** The family's member variable and range; null for a single product. */
  family: VerifyFamily | null;
  description: StringLiteral | null;
  settings: VerifySetting[];
}

export type Decl =
  | UseDecl
  | UnitDecl
  | ConstDecl
  | EnumDecl
  | FnDecl
  | RecordDecl
  | OnStepDecl
  | ClauseDecl
  | VerifyDecl;

export interface Comment {
  kind: 'Comment';
  /** The comment's text including the leading `//`. */
  text: string;
  span: Span;
}

export interface SourceFile extends NodeBase {
  kind: 'SourceFile';
  path: string;
  header: PolicyHeader | ModuleHeader | null;
  decls: Decl[];
  comments: Comment[];
}

export type Node =
  | SourceFile
  | PolicyHeader
  | ModuleHeader
  | Decl
  | Field
  | FieldSource
  | Param
  | VerifySetting
  | VerifyFamily
  | Stmt
  | Expr
  | TypeNode
  | UnitExpr
  | UnitFactor
  | Identifier;

/** The child nodes of `node`, in source order. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  const push = (n: Node | null | undefined) => {
    if (n) out.push(n);
  };
  switch (node.kind) {
    case 'SourceFile':
      push(node.header);
      node.decls.forEach(push);
      break;
    case 'PolicyHeader':
      push(node.name);
      push(node.version);
      push(node.description);
      break;
    case 'ModuleHeader':
      node.path.forEach(push);
      push(node.description);
      break;
    case 'UseDecl':
      if (node.module.kind === 'std') node.module.path.forEach(push);
      else push(node.module.path);
      node.names.forEach(push);
      break;
    case 'UnitDecl':
      push(node.name);
      break;
    case 'ConstDecl':
      push(node.name);
      push(node.type);
      push(node.value);
      push(node.source);
      push(node.deprecated);
      break;
    case 'EnumDecl':
      push(node.name);
      node.members.forEach(push);
      break;
    case 'FnDecl':
      push(node.name);
      node.params.forEach(push);
      push(node.returnType);
      push(node.body);
      break;
    case 'Param':
      push(node.name);
      push(node.type);
      break;
    case 'RecordDecl':
      node.fields.forEach(push);
      break;
    case 'Field':
      push(node.name);
      push(node.type);
      push(node.from);
      push(node.initial);
      break;
    case 'FieldSource':
      push(node.chain);
      node.path.forEach(push);
      break;
    case 'OnStepDecl':
      node.body.forEach(push);
      break;
    case 'ClauseDecl':
      push(node.name);
      push(node.description);
      push(node.value);
      push(node.reveal);
      break;
    case 'VerifyDecl':
      push(node.name);
      push(node.family);
      push(node.description);
      node.settings.forEach(push);
      break;
    case 'VerifySetting':
      push(node.key);
      push(node.value);
      break;
    case 'VerifyFamily':
      push(node.variable);
      push(node.from);
      push(node.to);
      break;
    case 'LetStmt':
      push(node.name);
      push(node.value);
      break;
    case 'AssignStmt':
      push(node.target);
      push(node.value);
      break;
    case 'ForStmt':
      push(node.variable);
      push(node.from);
      push(node.to);
      node.body.forEach(push);
      break;
    case 'NumberLiteral':
      push(node.unit);
      break;
    case 'NameRef':
      push(node.name);
      break;
    case 'MemberExpr':
      push(node.object);
      push(node.member);
      break;
    case 'IndexExpr':
      push(node.object);
      push(node.index);
      break;
    case 'CallExpr':
      push(node.callee);
      node.args.forEach(push);
      break;
    case 'BinaryExpr':
      push(node.left);
      push(node.right);
      break;
    case 'UnaryExpr':
      push(node.operand);
      break;
    case 'InRangeExpr':
      push(node.value);
      push(node.low);
      push(node.high);
      break;
    case 'IfExpr':
      push(node.condition);
      push(node.then);
      push(node.otherwise);
      break;
    case 'ArrayLiteral':
      node.elements.forEach(push);
      break;
    case 'ArrayRepeat':
      push(node.value);
      push(node.count);
      break;
    case 'ParenExpr':
      push(node.inner);
      break;
    case 'PrimitiveType':
      push(node.unit);
      break;
    case 'NamedType':
      push(node.name);
      break;
    case 'ArrayType':
      push(node.element);
      push(node.length);
      break;
    case 'UnitExpr':
      node.factors.forEach(push);
      break;
    case 'UnitFactor':
      push(node.name);
      break;
    case 'BoolLiteral':
    case 'StringLiteral':
    case 'ErrorExpr':
    case 'Identifier':
      break;
  }
  return out;
}

/** Calls `visit` on `node` and every descendant, parents before children. */
export function walk(node: Node, visit: (node: Node) => void): void {
  visit(node);
  for (const child of childrenOf(node)) walk(child, visit);
}
