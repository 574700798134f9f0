// Red team (issue #24): the verifier program's constraint check at ζ (runtime/aggregate/stark-layer.ts
// checkTableAtZeta) must accept exactly what the TypeScript verifier's does (stark/protocol.ts
// constraintsHoldAtZeta), for every table of the zkVM (every chip) and of a system with publics, next-row reads,
// a preprocessed table and LogUp. A program that evaluated one opcode, selector, public, challenge or the LogUp
// running sum's T/n differently would accept opened values the TypeScript verifier rejects: a forged child.
// Random opened values, ζ, γ, challenges, publics and claimed sums; the quotient solved so that the identity
// holds; then each opened value a constraint reads (at ζ and at ω·ζ), a public, a challenge, γ, the claimed sum
// moved by one: the program must fail exactly when the TypeScript check does.
import { describe, expect, it } from 'vitest';
import * as E from '../../runtime/proof/field/extension.ts';
import * as F from '../../runtime/proof/field/babybear.ts';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_PCS_PARAMS, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { commitLayouts, constraintResidualAtZeta, type AtZeta } from '../../runtime/proof/stark/protocol.ts';
import { buildSystem, quotientLogCap, type StarkSystem } from '../../runtime/proof/stark/system.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { machine, vmTraces } from '../../runtime/vm/machine.ts';
import { checkTableAtZeta, ExtOps, type TableAtZeta } from '../../runtime/aggregate/stark-layer.ts';
import { everyOpcode } from '../soundness/every-opcode.ts';
import * as X from '../fixtures/sample-airs.ts';

const pcs = () => new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 });
type Values = E.Ext[][][][];

interface Inputs {
  zeta: E.Ext;
  gamma: E.Ext;
  challenges: E.Ext[];
  publics: number[];
  claimedSums: E.Ext[];
  values: Values;
}


/** Table i's check as a program on constant inputs; whether it runs to its halt. */
function programAccepts(system: StarkSystem<unknown>, logHeights: readonly number[], i: number, x: Inputs): boolean {
  const asm = new Assembler(0, 0);
  const ops = new ExtOps(asm);
  const layouts = commitLayouts(system, logHeights);
  const publicWords = Array.from({ length: Math.ceil(x.publics.length / 8) }, (_, w) => asm.constant([...x.publics.slice(8 * w, 8 * w + 8), ...new Array<number>(8).fill(0)].slice(0, 8)));
  const ctx = {
    zeta: ops.constant(x.zeta),
    gamma: ops.constant(x.gamma),
    challenges: x.challenges.map((c) => ops.constant(c)),
    publics: x.publics.map((_, k) => ({ addr: publicWords[k >> 3]!, lane: k & 7 })),
  };
  // As verifier.ts lays the opened values out: per point, every column's word, null where not opened there.
  const spread = (kind: string): (number | null)[][] => {
    const k = layouts.findIndex((l) => l.kind === kind);
    const m = k < 0 ? -1 : layouts[k]!.tables.indexOf(i);
    if (m < 0) return [];
    const l = layouts[k]!;
    return l.columns[m]!.map((list, j) => {
      const words = x.values[k]![m]![j]!.map((v) => ops.constant(v));
      if (list === null) return words;
      const row: (number | null)[] = new Array<number | null>(l.valueWidths[m]!).fill(null);
      list.forEach((c, n) => (row[c] = words[n]!));
      return row;
    });
  };
  // LogUp columns and quotient chunks are opened as extension values (CommitLayout.packed).
  const aux = spread('aux');
  const hasAux = system.tables[i]!.logup.auxWidth > 0;
  const at: TableAtZeta = {
    logN: logHeights[i]!,
    quotientLogCap: quotientLogCap(system, logHeights),
    main: spread('main'),
    pre: spread('pre'),
    aux,
    quotient: spread('quotient')[0]!.map((w) => w!),
    sumPerRow: hasAux ? ops.scale(F.inv(2 ** logHeights[i]!), ops.constant(x.claimedSums[i]!)) : ops.constant(E.ZERO),
  };
  checkTableAtZeta(ops, system, i, ctx, at, []);
  asm.halt();
  try {
    execute(asm.build(), {});
    return true;
  } catch (e) {
    expect(String(e)).toMatch(/the constraints do not hold at the out-of-domain point/);
    return false;
  }
}

/** The heights a proof of these traces carries: theirs, then the blinding collector's (stark/blinding.ts collectorTrace). */
function heightsOf(system: StarkSystem<unknown>, traces: readonly { readonly height: number }[]): number[] {
  const heights = traces.map((t) => Math.log2(t.height));
  const blinded = system.tables.filter((t) => t.blinded).length;
  if (system.tables.length > system.userTables) heights.push(Math.max(1, Math.ceil(Math.log2(Math.max(2, blinded)))));
  return heights;
}

function parity(name: string, system: StarkSystem<unknown>, traces: readonly { readonly height: number }[]): void {
  const logHeights = heightsOf(system, traces);
  expect(logHeights.length).toBe(system.tables.length);
  const rng = Rng.fromSeed(`constraints parity ${name}`);
  const ext = (): E.Ext => [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()];
  const layouts = commitLayouts(system, logHeights);
  const q = layouts.findIndex((l) => l.kind === 'quotient');
  const base: Inputs = {
    zeta: ext(),
    gamma: ext(),
    challenges: Array.from({ length: system.logupChallenges }, ext),
    publics: Array.from({ length: system.publicInputs }, () => rng.nextField()),
    claimedSums: system.tables.map((t) => (t.logup.auxWidth > 0 ? ext() : E.ZERO)),
    values: layouts.map((l) => l.valueWidths.map((w, m) => l.columns[m]!.map((list) => Array.from({ length: list?.length ?? w }, ext)))),
  };
  const tsOf = (x: Inputs): AtZeta => ({ logHeights, layouts, values: x.values, zeta: x.zeta, gamma: x.gamma, challenges: x.challenges, publics: x.publics, claimedSums: x.claimedSums });
  const clone = (x: Inputs): Inputs => ({ ...x, challenges: x.challenges.slice(), publics: x.publics.slice(), claimedSums: x.claimedSums.slice(), values: x.values.map((c) => c.map((m) => m.map((p) => p.slice()))) });
  const bump = (e: E.Ext): E.Ext => [F.add(e[0], 1), e[1], e[2], e[3]];

  system.tables.forEach((t, i) => {
    // The quotient solved: its first chunk at ζ holds q(ζ) (the others zero), q(ζ) = residual / Z_H(ζ).
    const x = clone(base);
    const mq = layouts[q]!.tables.indexOf(i);
    const quotient = x.values[q]![mq]![0]!;
    quotient.fill(E.ZERO);
    const zH = E.sub(E.pow(x.zeta, 2 ** logHeights[i]!), E.ONE);
    quotient[0] = E.mul(constraintResidualAtZeta(system, i, tsOf(x)), E.inv(zH));
    expect(E.isZero(constraintResidualAtZeta(system, i, tsOf(x))), `${t.analyzed.air.name}: the solved quotient`).toBe(true);
    expect(programAccepts(system, logHeights, i, x), `${t.analyzed.air.name}: the program accepts what the TypeScript check accepts`).toBe(true);

    // Edits: every opened value of the table's trace commitments (both points), a public, a challenge, γ, its sum.
    const edits: { what: string; edit: (y: Inputs) => void }[] = [];
    layouts.forEach((l, k) => {
      const m = l.tables.indexOf(i);
      if (m < 0 || l.kind === 'quotient') return;
      l.columns[m]!.forEach((_, j) => {
        const count = x.values[k]![m]![j]!.length;
        // Every column when few, else a spread of them (the first, the last and some between).
        const picks = count <= 24 ? Array.from({ length: count }, (_, c) => c) : [0, count - 1, ...Array.from({ length: 22 }, () => Math.floor((rng.nextField() / F.P) * count))];
        for (const c of picks) edits.push({ what: `${l.kind} point ${j} value ${c}`, edit: (y) => (y.values[k]![m]![j]![c] = bump(y.values[k]![m]![j]![c]!)) });
      });
    });
    if (system.publicInputs > 0) edits.push({ what: 'public 0', edit: (y) => (y.publics[0] = F.add(y.publics[0]!, 1)) });
    system.logupChallenges > 0 && t.logup.auxWidth > 0 && edits.push({ what: 'challenge 0', edit: (y) => (y.challenges[0] = bump(y.challenges[0]!)) });
    edits.push({ what: 'γ', edit: (y) => (y.gamma = bump(y.gamma)) });
    if (t.logup.auxWidth > 0) edits.push({ what: 'claimed sum', edit: (y) => (y.claimedSums[i] = bump(y.claimedSums[i]!)) });
    let rejected = 0;
    for (const { what, edit } of edits) {
      const y = clone(x);
      edit(y);
      const ts = E.isZero(constraintResidualAtZeta(system, i, tsOf(y)));
      if (!ts) rejected++;
      expect(programAccepts(system, logHeights, i, y), `${t.analyzed.air.name}: ${what}`).toBe(ts);
    }
    // The edits reach the check: most of them break the identity.
    expect(rejected, t.analyzed.air.name).toBeGreaterThan(0);
  });
}

describe('the verifier program checks the constraints at ζ exactly as the TypeScript verifier', () => {
  it('a system with publics, next-row reads, a preprocessed table and LogUp', () => {
    const system = buildSystem('fib-u16', [{ air: X.fibonacciAir }, { air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }], pcs(), true);
    const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
    const traces = [X.fibonacciTrace(3, 2, 1).trace, X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))];
    parity('fib-u16', system, traces);
  });

  it('every table of the zkVM of a program using every chip', { timeout: 300_000 }, () => {
    const exec = everyOpcode();
    const m = machine<FriPcsProof>(exec.program, pcs());
    parity('zkvm', m.system, vmTraces(exec));
  });
});
