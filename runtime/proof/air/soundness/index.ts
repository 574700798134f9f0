/**
 * An under-constraint checker for chips: given an AIR, a few honest traces, the chip's soundness declaration
 * (inputs, outputs, free columns, the parts of its bus messages other chips fix) and a membership predicate for
 * every lookup bus it sends on, it searches for a second assignment of a trace that satisfies every constraint,
 * every lookup and every pin but differs from the honest one:
 *
 *   (a) one cell moved to a candidate value (±1, ±2^i, −x, random elements, and for every scaled range lookup
 *       v·c the values x + δ·c⁻¹ that move only the scaled copy — a limb out of range that the table still
 *       accepts scaled), nothing else changed;
 *   (b) the same, with one more cell solved from a violated constraint affine in it;
 *   (c) the same, with the change repaired along the order the honest cells follow from the inputs
 *       (./order.ts): each violated item re-solved by its downstream cells — an affine item for its cell, a keyed
 *       lookup from its table's matching rows, a bit flipped, a limb equation split as integers — depth first,
 *       within a node budget.
 *
 * A satisfying assignment that changes an output (a cell, or a message part the chip claims) is a soundness bug;
 * one that changes only other cells is reported too (a column that can change alone), unless every changed
 * cell is declared free.
 *
 * What it cannot do: it is a search, not a proof. It finds an alternative witness near an honest one, reachable
 * by moving one cell and re-deriving the others along the witness generator's order; a forgery that needs two
 * independent moves, a value outside the candidate sets, a repair longer than the budget, or a trace of another
 * shape (a Merkle path of another length) is not found. It asks whether a valid claim has a second witness, not
 * whether an invalid claim has one: a constraint that only rejects bad inputs (the 32-bit wide ops' zero high
 * limbs) can be dropped unnoticed. It sees one chip against tables given as predicates; what the bus balance with
 * other chips fixes is taken from the declaration, not checked. A clean run on sampled rows is evidence, not a
 * guarantee.
 */
import type { Air } from '../air.ts';
import { CompiledAir } from './compiled.ts';
import { TraceModel, type HonestTrace } from './model.ts';
import { determinationOrder } from './order.ts';
import { Searcher, type Finding, type SearchOptions } from './search.ts';
import type { BusTable, ChipSoundness } from './spec.ts';

export type { Finding, SearchOptions } from './search.ts';
export type { HonestTrace } from './model.ts';
export * from './spec.ts';

export interface ChipCheck {
  readonly air: Air;
  readonly soundness: ChipSoundness;
  /** Honest traces: one row each for a chip without transition constraints, a few rows otherwise. */
  readonly traces: readonly HonestTrace[];
  /** The lookup tables the chip sends to, one per bus. */
  readonly tables: readonly BusTable[];
  /** Column names for the report. */
  readonly names?: readonly string[];
}

export interface ChipReport {
  readonly chip: string;
  readonly findings: readonly Finding[];
  /** One line per finding. */
  readonly lines: readonly string[];
  /** Cells moved, and columns no rule derived from the inputs (pinned by inequalities or lookups only). */
  readonly moved: number;
  readonly guessed: readonly string[];
}

const compiledCache = new WeakMap<Air, CompiledAir>();

export function checkChip(check: ChipCheck, options: SearchOptions = {}): ChipReport {
  let compiled = compiledCache.get(check.air);
  if (!compiled) compiledCache.set(check.air, (compiled = new CompiledAir(check.air)));
  const tables = new Map(check.tables.map((t) => [t.bus, t]));
  const name = (col: number) => check.names?.[col] ?? `column ${col}`;
  const findings: Finding[] = [];
  const guessed = new Set<string>();
  let moved = 0;
  check.traces.forEach((trace, k) => {
    const model = new TraceModel(compiled, check.soundness, trace, tables);
    const broken = model.broken();
    if (broken.length > 0) throw new Error(`${check.air.name}: honest trace ${k} breaks ${broken.map((i) => ('name' in i.template ? i.template.name : `a lookup on bus ${i.template.bus}`) + ` (row ${i.row})`).join('; ')}`);
    const order = determinationOrder(model);
    for (const c of order.guessed) if (!model.free[c]) guessed.add(name(c % model.width));
    const searcher = new Searcher(model, order, { ...options, seed: (options.seed ?? 1) + k });
    for (const f of searcher.run()) {
      const same = findings.findIndex((g) => g.col === f.col);
      if (same < 0) findings.push(f);
      else if (f.kind === 'output' && findings[same]!.kind !== 'output') findings[same] = f;
    }
    for (const r of model.moveRows) for (let c = r * model.width; c < (r + 1) * model.width; c++) if (!model.input[c] && !model.free[c]) moved++;
  });
  const lines = findings.map((f) => {
    const changes = f.changed.map((c) => `${name(c.col)}${check.traces[0]!.rows.length > 1 ? `@${c.row}` : ''} ${c.from}→${c.to}`);
    const what = f.kind === 'output' ? 'changes the output' : 'changes, outputs unchanged';
    return `${check.air.name}: ${name(f.col)} ${what} (${f.method}; ${changes.join(', ')})`;
  });
  return { chip: check.air.name, findings, lines, moved, guessed: [...guessed] };
}
export { tableOverlaps, mixedRelations, type SystemTable } from './tables.ts';
