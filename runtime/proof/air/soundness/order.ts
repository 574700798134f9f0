/**
 * The order in which an honest row's cells follow from its inputs, read off the constraints (the witness
 * generator's order, recovered): starting from the input cells, an item determines its one undetermined cell when
 * it is affine in it with a nonzero coefficient (a definition `x = f(…)` or a solved equation), a lookup
 * determines the cells of its unknown values from the known ones (a keyed table), a bit is determined by an item
 * that holds for one of its values only, and an equation affine in several bounded cells determines them together
 * (a limb split; with comparison bits among them, when one value of the bits alone gives a split). When nothing
 * applies, the first undetermined cell is taken as a root ("guessed"): a value pinned only by inequalities or
 * lookups, like a normalisation shift. The search repairs a violated item only by re-solving cells at or after the
 * item's step, so a change flows downstream as the witness generator would recompute it.
 */
import type { InteractionTemplate } from './compiled.ts';
import type { Item, TraceModel } from './model.ts';

export interface DeterminationOrder {
  /** Per cell, the step that determines it (inputs 0). */
  readonly cellStep: Int32Array;
  /** Per item, the step it determines cells at, or (a check) the last step of its cells. */
  readonly itemStep: Int32Array;
  /** Cells that no rule determined: roots of the order besides the inputs. */
  readonly guessed: readonly number[];
  /** Per cell, the item that determined it (−1 for an input or a guessed cell). */
  readonly determiner: Int32Array;
  /** Per item, 1 if it determined cells (0 for a check of cells determined elsewhere). */
  readonly determines: Uint8Array;
}

/**
 * The cells an item's cells follow from: its own cells at or before its step, and those of the items that
 * determined them, transitively (memoised in `memo`).
 */
export function support(order: DeterminationOrder, model: TraceModel, item: number, memo: Map<number, ReadonlySet<number>>): ReadonlySet<number> {
  const known = memo.get(item);
  if (known) return known;
  const out = new Set<number>();
  memo.set(item, out); // a cycle (cells determined together) contributes nothing more
  for (const c of model.items[item]!.cells) {
    if (order.cellStep[c]! > order.itemStep[item]! || order.cellStep[c] === 0) continue;
    out.add(c);
    const by = order.determiner[c]!;
    if (by >= 0 && by !== item) for (const r of support(order, model, by, memo)) out.add(r);
  }
  return out;
}

type Rule = 'linear' | 'table' | 'bit' | 'limbs';
const RULES: readonly Rule[] = ['linear', 'table', 'bit', 'limbs'];

export function determinationOrder(model: TraceModel): DeterminationOrder {
  const n = model.width * model.height;
  const cellStep = new Int32Array(n).fill(-1);
  const itemStep = new Int32Array(model.items.length).fill(-1);
  const determiner = new Int32Array(n).fill(-1);
  for (let c = 0; c < n; c++) if (model.input[c]) cellStep[c] = 0;
  // (inputs are determined before any item is looked at, so no version needs bumping for them)
  let step = 0;
  const guessed: number[] = [];
  const undetermined = (item: Item) => [...item.cells].filter((c) => cellStep[c]! < 0);
  const solvable = new Map<number, boolean>();
  const linear = (item: Item, cell: number) => {
    const key = item.index * model.cells + cell;
    let ok = solvable.get(key);
    if (ok === undefined) solvable.set(key, (ok = model.solveAffine(item, item.node, cell, item.want) !== null));
    return ok;
  };

  const applies = (item: Item, u: number[], rule: Rule): boolean => {
    switch (rule) {
      case 'linear':
        return item.kind !== 'lookup' && u.length === 1 && linear(item, u[0]!);
      case 'bit':
        // An item that holds for one value of the bit only (not its own x·(x − 1) = 0, nor zero·x = 0).
        return u.length === 1 && model.isBool(u[0]!) && model.holdsWith(item, u[0]!, 0) !== model.holdsWith(item, u[0]!, 1);
      case 'limbs':
        return item.kind !== 'lookup' && u.length >= 2 && (model.limbSplit(item, u) !== null || model.splitsWithBits(item, u).length === 1);
      case 'table': {
        if (item.kind !== 'lookup' || !item.table!.rows) return false;
        const t = item.template as InteractionTemplate;
        const known = item.valueCells.filter((cells) => cells.every((c) => cellStep[c]! >= 0));
        if (known.length === 0) return false;
        return u.every((cell) => t.values.some((node, j) => item.valueCells[j]!.filter((c) => cellStep[c]! < 0).length === 1 && model.degree(item, node, [cell]) === 1));
      }
    }
  };

  // An item is looked at again for a rule only when one of its cells has been determined since.
  const version = new Int32Array(model.items.length);
  const checked = new Map(RULES.map((r) => [r, new Int32Array(model.items.length).fill(-1)]));
  const determine = (c: number, at: number) => {
    cellStep[c] = at;
    for (const i of model.cellItems[c]!) version[i]!++;
  };
  let open = model.items.map((_, i) => i);
  const sweep = (rule: Rule): boolean => {
    let progress = false;
    const seen = checked.get(rule)!;
    open = open.filter((i) => itemStep[i]! < 0);
    for (const i of open) {
      if (itemStep[i]! >= 0 || seen[i] === version[i]) continue;
      const item = model.items[i]!;
      const u = undetermined(item);
      if (u.length === 0) {
        itemStep[i] = Math.max(0, ...[...item.cells].map((c) => cellStep[c]!));
        continue;
      }
      if (!applies(item, u, rule)) {
        seen[i] = version[i]!;
        continue;
      }
      step++;
      for (const c of u) {
        determine(c, step);
        determiner[c] = i;
      }
      itemStep[i] = step;
      progress = true;
    }
    return progress;
  };

  for (;;) {
    let progress = false;
    for (const rule of RULES) {
      while (sweep(rule)) progress = true;
      if (progress) break;
    }
    if (progress) continue;
    const root = cellStep.findIndex((s) => s < 0);
    if (root < 0) break;
    determine(root, ++step);
    guessed.push(root);
  }
  model.items.forEach((item, i) => {
    if (itemStep[i]! < 0) itemStep[i] = Math.max(0, ...[...item.cells].map((c) => cellStep[c]!));
  });
  const determines = new Uint8Array(model.items.length);
  for (const d of determiner) if (d >= 0) determines[d] = 1;
  return { cellStep, itemStep, guessed, determiner, determines };
}
