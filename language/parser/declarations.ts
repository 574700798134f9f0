/**
 * The grammar of a `.zpol` file: its header, its declarations (imports, units, constants, enums, functions,
 * records, the step handler, clauses and verify blocks) and the statements of blocks. The parser is this class,
 * the leaf of the hierarchy: chevrotain analyses the grammar once, here, after every rule has been defined.
 */
import type { IToken } from 'chevrotain';
import type * as A from '../ast.ts';
import { Identifier, Kw, P, StringLit } from '../lexer.ts';
import { ExpressionParser } from './expressions.ts';

export class ZpolParser extends ExpressionParser {
  constructor() {
    super();
    this.performSelfAnalysis();
  }

  // -------------------------------------------------------------------------------------------------------
  // File

  sourceFile = this.RULE('sourceFile', (): A.SourceFile => {
    const start = this.here();
    let header: A.PolicyHeader | A.ModuleHeader | null = null;
    const decls: A.Decl[] = [];
    this.OPTION(() => {
      header = this.SUBRULE(this.header) ?? null; // undefined when recovery abandoned the header
    });
    this.MANY(() => {
      const d = this.SUBRULE(this.decl);
      this.ACTION(() => d && decls.push(d));
    });
    return this.ACTION(() => ({ kind: 'SourceFile', path: '', header, decls, comments: [], span: { start, end: this.eofPosition } }));
  });

  header = this.RULE('header', (): A.PolicyHeader | A.ModuleHeader =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME(Kw.policy);
          const name = this.CONSUME(Identifier);
          const versionWord = this.CONSUME2(Identifier);
          const version = this.SUBRULE(this.numberLiteral);
          const description = this.OPTION(() => this.CONSUME(StringLit));
          return this.ACTION(() => {
            if (versionWord.image !== 'version' && !versionWord.isInsertedInRecovery) {
              this.sink.report('ZP1005', this.tokenSpan(versionWord), `expected 'version' after the policy name, found '${versionWord.image}'`);
            }
            return {
              kind: 'PolicyHeader' as const,
              name: this.ident(name),
              version,
              description: description ? this.stringLit(description) : null,
              span: this.spanFrom(start),
            };
          });
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME(Kw.module);
          const path = [this.CONSUME3(Identifier)];
          this.MANY(() => {
            this.CONSUME(P.dot);
            // `spec` is a keyword, and the first part of a spec field's revealed name (`spec.X`).
          path.push(this.OR3([{ ALT: () => this.CONSUME4(Identifier) }, { ALT: () => this.CONSUME2(Kw.spec) }]));
          });
          const description = this.OPTION2(() => this.CONSUME2(StringLit));
          return this.ACTION(() => ({
            kind: 'ModuleHeader' as const,
            path: path.map((t) => this.ident(t)),
            description: description ? this.stringLit(description) : null,
            span: this.spanFrom(start),
          }));
        },
      },
    ]),
  );

  decl = this.RULE(
    'decl',
    (): A.Decl =>
      this.OR([
        { ALT: () => this.SUBRULE(this.useDecl) },
        { ALT: () => this.SUBRULE(this.unitDecl) },
        { ALT: () => this.SUBRULE(this.constDecl) },
        { ALT: () => this.SUBRULE(this.enumDecl) },
        { ALT: () => this.SUBRULE(this.fnDecl) },
        { ALT: () => this.SUBRULE(this.recordDecl) },
        { ALT: () => this.SUBRULE(this.onStepDecl) },
        { ALT: () => this.SUBRULE(this.clauseDecl) },
        { ALT: () => this.SUBRULE(this.verifyDecl) },
      ]),
  );

  useDecl = this.RULE('useDecl', (): A.UseDecl => {
    const start = this.here();
    this.CONSUME(Kw.use);
    const module = this.OR([
      {
        ALT: () => {
          const path = [this.CONSUME(Identifier)];
          this.MANY({
            GATE: () => this.LA(2).tokenType === Identifier,
            DEF: () => {
              this.CONSUME(P.dot);
              path.push(this.CONSUME2(Identifier));
            },
          });
          return this.ACTION(() => ({ kind: 'std' as const, path: path.map((t) => this.ident(t)) }));
        },
      },
      {
        ALT: () => {
          const path = this.CONSUME(StringLit);
          return this.ACTION(() => ({ kind: 'file' as const, path: this.stringLit(path) }));
        },
      },
    ]);
    this.CONSUME2(P.dot);
    this.CONSUME(P.lBrace);
    const names: IToken[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: P.comma,
      DEF: () => {
        names.push(this.CONSUME3(Identifier));
      },
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({ kind: 'UseDecl', module, names: names.map((t) => this.ident(t)), span: this.spanFrom(start) }));
  });

  unitDecl = this.RULE('unitDecl', (): A.UnitDecl => {
    const start = this.here();
    this.CONSUME(Kw.unit);
    const name = this.CONSUME(Identifier);
    return this.ACTION(() => ({ kind: 'UnitDecl', name: this.ident(name), span: this.spanFrom(start) }));
  });

  constDecl = this.RULE('constDecl', (): A.ConstDecl => {
    const start = this.here();
    this.CONSUME(Kw.const);
    const name = this.CONSUME(Identifier);
    let type: A.TypeNode | null = null;
    this.OPTION(() => {
      this.CONSUME(P.colon);
      type = this.SUBRULE(this.typeNode);
    });
    this.CONSUME(P.eq);
    const value = this.SUBRULE(this.expr);
    let source: IToken | undefined;
    let deprecated: IToken | undefined;
    this.OPTION2({
      GATE: () => this.isWord('source'),
      DEF: () => {
        this.CONSUME2(Identifier);
        source = this.CONSUME(StringLit);
      },
    });
    this.OPTION3({
      GATE: () => this.isWord('deprecated'),
      DEF: () => {
        this.CONSUME3(Identifier);
        deprecated = this.CONSUME2(StringLit);
      },
    });
    return this.ACTION(() => ({
      kind: 'ConstDecl',
      name: this.ident(name),
      type,
      value,
      source: source ? this.stringLit(source) : null,
      deprecated: deprecated ? this.stringLit(deprecated) : null,
      span: this.spanFrom(start),
    }));
  });

  enumDecl = this.RULE('enumDecl', (): A.EnumDecl => {
    const start = this.here();
    this.CONSUME(Kw.enum);
    const name = this.CONSUME(Identifier);
    this.CONSUME(P.lBrace);
    const members: IToken[] = [];
    this.MANY(() => {
      members.push(this.CONSUME2(Identifier));
      this.OPTION(() => this.CONSUME(P.comma));
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({ kind: 'EnumDecl', name: this.ident(name), members: members.map((t) => this.ident(t)), span: this.spanFrom(start) }));
  });

  fnDecl = this.RULE('fnDecl', (): A.FnDecl => {
    const start = this.here();
    this.CONSUME(Kw.fn);
    const name = this.CONSUME(Identifier);
    this.CONSUME(P.lParen);
    const params: A.Param[] = [];
    this.MANY_SEP({
      SEP: P.comma,
      DEF: () => {
        const pStart = this.here();
        const pName = this.CONSUME2(Identifier);
        this.CONSUME(P.colon);
        const type = this.SUBRULE(this.typeNode);
        this.ACTION(() => params.push({ kind: 'Param', name: this.ident(pName), type, span: this.spanFrom(pStart) }));
      },
    });
    this.CONSUME(P.rParen);
    this.CONSUME2(P.colon);
    const returnType = this.SUBRULE2(this.typeNode);
    this.CONSUME(P.eq);
    const body = this.SUBRULE(this.expr);
    return this.ACTION(() => ({ kind: 'FnDecl', name: this.ident(name), params, returnType, body, span: this.spanFrom(start) }));
  });

  recordDecl = this.RULE('recordDecl', (): A.RecordDecl => {
    const start = this.here();
    const kw = this.OR([{ ALT: () => this.CONSUME(Kw.spec) }, { ALT: () => this.CONSUME(Kw.step) }, { ALT: () => this.CONSUME(Kw.state) }]);
    this.CONSUME(P.lBrace);
    const fields: A.Field[] = [];
    this.MANY(() => {
      const f = this.SUBRULE(this.field);
      this.ACTION(() => f && fields.push(f));
      this.OPTION(() => this.OR2([{ ALT: () => this.CONSUME(P.semi) }, { ALT: () => this.CONSUME(P.comma) }]));
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({ kind: 'RecordDecl', record: kw.image as A.RecordKind, fields, span: this.spanFrom(start) }));
  });

  field = this.RULE('field', (): A.Field => {
    const start = this.here();
    const isPublic = this.OPTION(() => this.CONSUME(Kw.public)) !== undefined;
    const name = this.CONSUME(Identifier);
    this.CONSUME(P.colon);
    const type = this.SUBRULE(this.typeNode);
    let from: A.FieldSource | null = null;
    this.OPTION3({
      GATE: () => this.isWord('from'),
      DEF: () => {
        const fromStart = this.here();
        this.CONSUME2(Identifier);
        const chain = this.CONSUME3(Identifier);
        const path: IToken[] = [];
        this.AT_LEAST_ONE(() => {
          this.CONSUME(P.dot);
          // `spec` is a keyword, and the first part of a spec field's revealed name (`spec.X`).
          path.push(this.OR3([{ ALT: () => this.CONSUME4(Identifier) }, { ALT: () => this.CONSUME2(Kw.spec) }]));
        });
        from = this.ACTION(() => ({ kind: 'FieldSource', chain: this.ident(chain), path: path.map((t) => this.ident(t)), span: this.spanFrom(fromStart) }));
      },
    });
    let initial: A.Expr | null = null;
    this.OPTION2(() => {
      this.CONSUME(P.eq);
      initial = this.SUBRULE(this.expr);
    });
    return this.ACTION(() => ({ kind: 'Field', isPublic, name: this.ident(name), type, initial, from, span: this.spanFrom(start) }));
  });

  onStepDecl = this.RULE('onStepDecl', (): A.OnStepDecl => {
    const start = this.here();
    this.CONSUME(Kw.on);
    this.CONSUME(Kw.step);
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => ({ kind: 'OnStepDecl', body, span: this.spanFrom(start) }));
  });

  clauseDecl = this.RULE('clauseDecl', (): A.ClauseDecl => {
    const start = this.here();
    const kw = this.OR([{ ALT: () => this.CONSUME(Kw.attest) }, { ALT: () => this.CONSUME(Kw.invariant) }, { ALT: () => this.CONSUME(Kw.output) }]);
    const name = this.CONSUME(Identifier);
    const description = this.OPTION(() => this.CONSUME(StringLit));
    this.CONSUME(P.colon);
    const value = this.SUBRULE(this.expr);
    let reveal: IToken | undefined;
    this.OPTION2({
      GATE: () => this.isWord('reveal'),
      DEF: () => {
        this.CONSUME2(Identifier);
        reveal = this.CONSUME2(StringLit);
      },
    });
    return this.ACTION(() => ({
      kind: 'ClauseDecl',
      clause: kw.image as A.ClauseDecl['clause'],
      name: this.ident(name),
      description: description ? this.stringLit(description) : null,
      value,
      reveal: reveal ? this.stringLit(reveal) : null,
      span: this.spanFrom(start),
    }));
  });

  verifyDecl = this.RULE('verifyDecl', (): A.VerifyDecl => {
    const start = this.here();
    this.CONSUME(Kw.verify);
    const name = this.CONSUME(Identifier);
    const family = this.OPTION3(() => {
      const fStart = this.here();
      this.CONSUME(P.lBracket);
      const variable = this.CONSUME3(Identifier);
      this.CONSUME(Kw.in);
      const from = this.SUBRULE(this.additive);
      this.CONSUME(P.dotDot);
      const to = this.SUBRULE2(this.additive);
      this.CONSUME(P.rBracket);
      return this.ACTION((): A.VerifyFamily => ({ kind: 'VerifyFamily', variable: this.ident(variable), from, to, span: this.spanFrom(fStart) }));
    });
    const description = this.OPTION(() => this.CONSUME(StringLit));
    this.CONSUME(P.lBrace);
    const settings: A.VerifySetting[] = [];
    this.MANY(() => {
      const sStart = this.here();
      const key = this.CONSUME2(Identifier);
      this.CONSUME(P.colon);
      const value = this.SUBRULE(this.expr);
      this.OPTION2(() => this.OR([{ ALT: () => this.CONSUME(P.semi) }, { ALT: () => this.CONSUME(P.comma) }]));
      this.ACTION(() => settings.push({ kind: 'VerifySetting', key: this.ident(key), value, span: this.spanFrom(sStart) }));
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({
      kind: 'VerifyDecl',
      name: this.ident(name),
      family: family ?? null,
      description: description ? this.stringLit(description) : null,
      settings,
      span: this.spanFrom(start),
    }));
  });

  // -------------------------------------------------------------------------------------------------------
  // Statements

  block = this.RULE('block', (): A.Stmt[] => {
    const body: A.Stmt[] = [];
    this.checkDepth();
    this.CONSUME(P.lBrace);
    this.MANY(() => {
      const s = this.SUBRULE(this.stmt);
      this.ACTION(() => s && body.push(s));
      this.OPTION(() => this.CONSUME(P.semi));
    });
    this.CONSUME(P.rBrace);
    return body;
  }, { recoveryValueFunc: (): A.Stmt[] => [] });

  stmt = this.RULE(
    'stmt',
    (): A.Stmt =>
      this.OR([
        {
          ALT: () => {
            const start = this.here();
            this.CONSUME(Kw.let);
            const name = this.CONSUME(Identifier);
            this.CONSUME3(P.eq);
            const value = this.SUBRULE(this.expr);
            return this.ACTION(() => ({ kind: 'LetStmt' as const, name: this.ident(name), value, span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            const start = this.here();
            this.CONSUME(Kw.for);
            const variable = this.CONSUME2(Identifier);
            this.CONSUME(Kw.in);
            const from = this.SUBRULE(this.additive);
            this.CONSUME(P.dotDot);
            const to = this.SUBRULE2(this.additive);
            const body = this.SUBRULE(this.block);
            return this.ACTION(() => ({ kind: 'ForStmt' as const, variable: this.ident(variable), from, to, body, span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            const start = this.here();
            const target = this.SUBRULE(this.postfix);
            const op = this.OR2([{ ALT: () => this.CONSUME(P.eq) }, { ALT: () => this.CONSUME(P.plusEq) }, { ALT: () => this.CONSUME(P.minusEq) }]);
            const value = this.SUBRULE2(this.expr);
            return this.ACTION(() => ({
              kind: 'AssignStmt' as const,
              target,
              op: (op.isInsertedInRecovery ? '=' : op.image) as A.AssignStmt['op'],
              value,
              span: this.spanFrom(start),
            }));
          },
        },
      ]),
    { recoveryValueFunc: () => undefined as unknown as A.Stmt },
  );
}
