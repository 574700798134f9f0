/**
 * The grammar of types and expressions: the rules every declaration and statement builds on. Expressions go
 * from the loosest binding (`or`) to the tightest (postfix access, then primaries). Chains of binary operators
 * and postfix accesses are loops (parser/depth-limit.ts bounds the trees they build); the rules that recurse,
 * `expr`, `not`, unary `-` and array types, call checkDepth first.
 */
import type { IToken } from 'chevrotain';
import type * as A from '../ast.ts';
import { Identifier, Kw, NumberLit, P, StringLit, decodeNumber } from '../lexer.ts';
import { ParserBase } from './base.ts';

export abstract class ExpressionParser extends ParserBase {
  // -------------------------------------------------------------------------------------------------------
  // Types

  typeNode = this.RULE('typeNode', (): A.TypeNode =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          const t = this.OR2([
            { ALT: () => this.CONSUME(Kw.bool) },
            { ALT: () => this.CONSUME(Kw.int) },
            { ALT: () => this.CONSUME(Kw.ratio) },
            { ALT: () => this.CONSUME(Kw.percent) },
            { ALT: () => this.CONSUME(Kw.bf16) },
            { ALT: () => this.CONSUME(Kw.f32) },
            { ALT: () => this.CONSUME(Kw.digest) },
          ]);
          let unit: A.UnitExpr | null = null;
          this.OPTION({ GATE: () => this.unitFollows(t, 'type'), DEF: () => (unit = this.SUBRULE(this.unitExpr)) });
          return this.ACTION(() => ({ kind: 'PrimitiveType' as const, name: t.image as A.PrimitiveTypeName, unit, span: this.spanFrom(start) }));
        },
      },
      {
        ALT: () => {
          const name = this.CONSUME(Identifier);
          return this.ACTION(() => ({ kind: 'NamedType' as const, name: this.ident(name), span: this.tokenSpan(name) }));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.checkDepth();
          this.CONSUME(P.lBracket);
          const element = this.SUBRULE(this.typeNode);
          this.CONSUME(P.semi);
          const length = this.SUBRULE(this.expr);
          this.CONSUME(P.rBracket);
          return this.ACTION(() => ({ kind: 'ArrayType' as const, element, length, span: this.spanFrom(start) }));
        },
      },
    ]),
    { recoveryValueFunc: (): A.TypeNode => ({ kind: 'NamedType', name: this.missingIdent(), span: this.errorSpan() }) },
  );

  unitExpr = this.RULE('unitExpr', (): A.UnitExpr => {
    const start = this.here();
    const factors: A.UnitFactor[] = [this.SUBRULE(this.unitFactor)];
    const ops: ('*' | '/')[] = [];
    this.MANY({
      GATE: () => this.LA(2).tokenType === Identifier,
      DEF: () => {
        const op = this.OR([{ ALT: () => this.CONSUME(P.star) }, { ALT: () => this.CONSUME(P.slash) }]);
        const f = this.SUBRULE2(this.unitFactor);
        this.ACTION(() => {
          ops.push(op.image === '/' ? '/' : '*');
          factors.push(f);
        });
      },
    });
    return this.ACTION(() => ({ kind: 'UnitExpr', factors, ops, span: this.spanFrom(start) }));
  }, { recoveryValueFunc: (): A.UnitExpr => ({ kind: 'UnitExpr', factors: [], ops: [], span: this.errorSpan() }) });

  unitFactor = this.RULE('unitFactor', (): A.UnitFactor => {
    const start = this.here();
    const name = this.CONSUME(Identifier);
    let negative = false;
    let exponentTok: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(P.caret);
      this.OPTION2(() => {
        this.CONSUME(P.minus);
        negative = true;
      });
      exponentTok = this.CONSUME(NumberLit);
    });
    return this.ACTION(() => {
      let exponent = 1;
      if (exponentTok && !exponentTok.isInsertedInRecovery) {
        const n = decodeNumber(exponentTok.image);
        if (typeof n === 'string' || n.den !== 1n || n.num > 16n) {
          this.sink.report('ZP1004', this.tokenSpan(exponentTok), `a unit exponent must be a whole number from 1 to 16, found '${exponentTok.image}'`);
        } else {
          exponent = Number(n.num);
        }
      }
      return { kind: 'UnitFactor', name: this.ident(name), exponent: negative ? -exponent : exponent, span: this.spanFrom(start) };
    });
  }, { recoveryValueFunc: (): A.UnitFactor => ({ kind: 'UnitFactor', name: this.missingIdent(), exponent: 1, span: this.errorSpan() }) });

  // -------------------------------------------------------------------------------------------------------
  // Expressions, loosest binding first

  expr = this.RULE('expr', (): A.Expr => {
    this.checkDepth();
    return this.SUBRULE(this.orExpr);
  }, {
    recoveryValueFunc: () => ({ kind: 'ErrorExpr', span: this.errorSpan() }) as A.Expr,
  });

  orExpr = this.RULE('orExpr', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(Kw.or);
      const right = this.SUBRULE2(this.andExpr);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: 'or', left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  andExpr = this.RULE('andExpr', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(Kw.and);
      const right = this.SUBRULE2(this.notExpr);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: 'and', left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  notExpr = this.RULE('notExpr', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          this.checkDepth();
          this.CONSUME(Kw.not);
          const operand = this.SUBRULE(this.notExpr);
          return this.ACTION(() => ({ kind: 'UnaryExpr' as const, op: 'not' as const, operand, span: this.spanFrom(start) }));
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]),
    { recoveryValueFunc: () => this.errorExpr() },
  );

  comparison = this.RULE('comparison', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.additive);
    this.OPTION(() =>
      this.OR([
        {
          ALT: () => {
            const op = this.OR2([
              { ALT: () => this.CONSUME(P.eqEq) },
              { ALT: () => this.CONSUME(P.notEq) },
              { ALT: () => this.CONSUME(P.lessEq) },
              { ALT: () => this.CONSUME(P.greaterEq) },
              { ALT: () => this.CONSUME(P.less) },
              { ALT: () => this.CONSUME(P.greater) },
            ]);
            const right = this.SUBRULE2(this.additive);
            this.ACTION(() => (left = { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left, right, span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(Kw.in);
            this.CONSUME(P.lBracket);
            const low = this.SUBRULE(this.expr);
            this.CONSUME(P.comma);
            const high = this.SUBRULE2(this.expr);
            this.CONSUME(P.rBracket);
            this.ACTION(() => (left = { kind: 'InRangeExpr', value: left, low, high, span: this.spanFrom(start) }));
          },
        },
      ]),
    );
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  additive = this.RULE('additive', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(P.plus) }, { ALT: () => this.CONSUME(P.minus) }]);
      const right = this.SUBRULE2(this.multiplicative);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  multiplicative = this.RULE('multiplicative', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.unary);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(P.star) }, { ALT: () => this.CONSUME(P.slash) }]);
      const right = this.SUBRULE2(this.unary);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  unary = this.RULE('unary', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          this.checkDepth();
          this.CONSUME(P.minus);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION(() => ({ kind: 'UnaryExpr' as const, op: '-' as const, operand, span: this.spanFrom(start) }));
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]),
    { recoveryValueFunc: () => this.errorExpr() },
  );

  postfix = this.RULE('postfix', (): A.Expr => {
    const start = this.here();
    let object = this.SUBRULE(this.primary);
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(P.dot);
            const member = this.CONSUME(Identifier);
            this.ACTION(() => (object = { kind: 'MemberExpr', object, member: this.ident(member), span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(P.lBracket);
            const index = this.SUBRULE(this.expr);
            this.CONSUME(P.rBracket);
            this.ACTION(() => (object = { kind: 'IndexExpr', object, index, span: this.spanFrom(start) }));
          },
        },
      ]),
    );
    return object;
  }, { recoveryValueFunc: () => this.errorExpr() });

  primary = this.RULE('primary', (): A.Expr =>
    this.OR([
      { ALT: () => this.SUBRULE(this.numberLiteral) },
      {
        ALT: () => {
          const t = this.OR2([{ ALT: () => this.CONSUME(Kw.true) }, { ALT: () => this.CONSUME(Kw.false) }]);
          return this.ACTION(() => ({ kind: 'BoolLiteral' as const, value: t.image === 'true', span: this.tokenSpan(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(StringLit);
          return this.ACTION(() => this.stringLit(t));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          const name = this.CONSUME(Identifier);
          const args = this.OPTION(() => {
            const list: A.Expr[] = [];
            this.CONSUME(P.lParen);
            this.MANY_SEP({
              SEP: P.comma,
              DEF: () => {
                const a = this.SUBRULE(this.expr);
                this.ACTION(() => list.push(a));
              },
            });
            this.CONSUME(P.rParen);
            return list;
          });
          return this.ACTION(() =>
            args
              ? { kind: 'CallExpr' as const, callee: this.ident(name), args, span: this.spanFrom(start) }
              : { kind: 'NameRef' as const, name: this.ident(name), span: this.tokenSpan(name) },
          );
        },
      },
      {
        // `spec`, `step` and the rounding modes `bf16`/`f32` are keywords that also name values.
        ALT: () => {
          const t = this.OR3([
            { ALT: () => this.CONSUME(Kw.spec) },
            { ALT: () => this.CONSUME(Kw.step) },
            { ALT: () => this.CONSUME(Kw.bf16) },
            { ALT: () => this.CONSUME(Kw.f32) },
          ]);
          return this.ACTION(() => ({ kind: 'NameRef' as const, name: this.ident(t), span: this.tokenSpan(t) }));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME2(P.lParen);
          const inner = this.SUBRULE5(this.expr);
          this.CONSUME2(P.rParen);
          return this.ACTION(() => ({ kind: 'ParenExpr' as const, inner, span: this.spanFrom(start) }));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME(Kw.if);
          const condition = this.SUBRULE2(this.expr);
          this.CONSUME(Kw.then);
          const then = this.SUBRULE3(this.expr);
          this.CONSUME(Kw.else);
          const otherwise = this.SUBRULE4(this.expr);
          return this.ACTION(() => ({ kind: 'IfExpr' as const, condition, then, otherwise, span: this.spanFrom(start) }));
        },
      },
      { ALT: () => this.SUBRULE(this.arrayLiteral) },
    ]),
    { recoveryValueFunc: () => this.errorExpr() },
  );

  arrayLiteral = this.RULE('arrayLiteral', (): A.Expr => {
    const start = this.here();
    this.CONSUME(P.lBracket);
    const result = this.OR([
      {
        ALT: () => {
          this.CONSUME(P.rBracket);
          return this.ACTION(() => ({ kind: 'ArrayLiteral' as const, elements: [] as A.Expr[], span: this.spanFrom(start) }));
        },
      },
      {
        ALT: () => {
          const first = this.SUBRULE(this.expr);
          return this.OR2([
            {
              ALT: () => {
                this.CONSUME(P.semi);
                const count = this.SUBRULE2(this.expr);
                this.CONSUME2(P.rBracket);
                return this.ACTION(() => ({ kind: 'ArrayRepeat' as const, value: first, count, span: this.spanFrom(start) }));
              },
            },
            {
              ALT: () => {
                const elements = [first];
                this.MANY({
                  GATE: () => this.LA(2).tokenType !== P.rBracket,
                  DEF: () => {
                    this.CONSUME(P.comma);
                    const e = this.SUBRULE3(this.expr);
                    this.ACTION(() => elements.push(e));
                  },
                });
                this.OPTION(() => this.CONSUME2(P.comma));
                this.CONSUME3(P.rBracket);
                return this.ACTION(() => ({ kind: 'ArrayLiteral' as const, elements, span: this.spanFrom(start) }));
              },
            },
          ]);
        },
      },
    ]);
    return result;
  }, { recoveryValueFunc: () => this.errorExpr() });

  numberLiteral = this.RULE('numberLiteral', (): A.NumberLiteral => {
    const start = this.here();
    const t = this.CONSUME(NumberLit);
    let unit: IToken | undefined;
    this.OPTION({ GATE: () => this.unitFollows(t, 'literal'), DEF: () => (unit = this.CONSUME(Identifier)) });
    return this.ACTION(() => {
      const text = t.isInsertedInRecovery ? '0' : t.image;
      let value = decodeNumber(text);
      if (typeof value === 'string') {
        this.sink.report('ZP1004', this.tokenSpan(t), value);
        value = { num: 0n, den: 1n };
      }
      return { kind: 'NumberLiteral', text, num: value.num, den: value.den, unit: unit ? this.ident(unit) : null, span: this.spanFrom(start) };
    });
  }, { recoveryValueFunc: () => this.errorNumber() });
}
