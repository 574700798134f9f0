/**
 * Checks on a system's lookup tables, the other half of a lookup's soundness (the chip's half is ./index.ts): a
 * message sent on a bus is accepted when some table receives it, so
 *
 *   - no two fixed tables (or two receives of one table) on the same bus may hold a common message: the bus
 *     would answer it for either relation (`tableOverlaps`);
 *   - a bus answered by one table should carry one relation. A relation is recognised by its key, the first
 *     value of each message: keys that fall into several separate runs of consecutive integers (read as signed
 *     representatives) are rows of different relations sharing the bus, and a send whose key is pinned only by
 *     the lookup can land on the other relation's rows (`mixedRelations`). The powers-of-two table once held
 *     (k, 2^k) for k = 0..30 and (64 + k, 2^(k−1)) on one bus: keys 0..30 and 64..94, and the MAC's free
 *     normalisation shift k could be answered by k + 65 (issue #14, bug 5). A relation tagged by a constant first
 *     value (one key per table) is one run.
 *
 * A fixed table is a receive whose values read only preprocessed columns and constants; receives of main columns
 * (a chip answering claims) are not tables and are skipped, as are sends.
 */
import * as F from '../../field/babybear.ts';
import { BLINDING_BUS, type Air } from '../air.ts';
import type { Matrix } from '../../matrix.ts';
import { CompiledAir } from './compiled.ts';

export interface SystemTable {
  readonly air: Air;
  readonly preprocessed: Matrix | null;
}

/** The messages one fixed receive holds, one row of the preprocessed matrix each (distinct, as field elements). */
interface TableReceive {
  readonly table: string;
  readonly bus: number;
  readonly messages: ReadonlyMap<string, readonly number[]>;
}

function fixedReceives(tables: readonly SystemTable[]): TableReceive[] {
  const out: TableReceive[] = [];
  for (const t of tables) {
    if (!t.preprocessed) continue;
    const compiled = new CompiledAir(t.air);
    const pre = t.preprocessed;
    const ctx = { trace: new Uint32Array(t.air.width * pre.height), width: t.air.width, height: pre.height, pre: pre.values, preWidth: pre.width, publics: null };
    for (const it of compiled.interactions) {
      if (it.direction !== 'receive' || it.bus === BLINDING_BUS || it.valueRefs.some((refs) => refs.length > 0)) continue;
      const reach = compiled.reachOf(it.values);
      const messages = new Map<string, number[]>();
      for (let r = 0; r < pre.height; r++) {
        compiled.evaluate(reach, ctx, r);
        const m = it.values.map((v) => compiled.read(v));
        messages.set(m.join(','), m);
      }
      out.push({ table: t.air.name, bus: it.bus, messages });
    }
  }
  return out;
}

/** For every bus, the messages that two fixed receives both hold (one line per pair, with an example). */
export function tableOverlaps(tables: readonly SystemTable[]): string[] {
  const receives = fixedReceives(tables);
  const problems: string[] = [];
  receives.forEach((x, i) => {
    for (const y of receives.slice(i + 1)) {
      if (x.bus !== y.bus) continue;
      const [small, large] = x.messages.size <= y.messages.size ? [x, y] : [y, x];
      const common = [...small.messages.keys()].filter((k) => large.messages.has(k));
      if (common.length > 0) problems.push(`bus ${x.bus}: ${x.table} and ${y.table} both hold ${common.length} message(s), e.g. (${common[0]})`);
    }
  });
  return problems;
}

const signed = (v: number) => (v > F.P / 2 ? v - F.P : v);

/** The runs of consecutive integers in `keys`, as [first, last] pairs. */
function runs(keys: readonly number[]): [number, number][] {
  const sorted = [...new Set(keys)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const k of sorted) {
    const last = out[out.length - 1];
    if (last && k === last[1] + 1) last[1] = k;
    else out.push([k, k]);
  }
  return out;
}

/** Fixed receives whose keys (first values) fall into separate runs: several relations on one bus. */
export function mixedRelations(tables: readonly SystemTable[]): string[] {
  const problems: string[] = [];
  for (const r of fixedReceives(tables)) {
    const keyRuns = runs([...r.messages.values()].map((m) => signed(m[0]!)));
    if (keyRuns.length > 1) {
      const shown = keyRuns.slice(0, 4).map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`));
      problems.push(`bus ${r.bus}: ${r.table}'s keys fall into ${keyRuns.length} runs (${shown.join(', ')}${keyRuns.length > 4 ? ', …' : ''}): several relations share the bus`);
    }
  }
  return problems;
}
