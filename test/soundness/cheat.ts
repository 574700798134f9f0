/**
 * A cheating prover for the forgery tests: it proves whatever rows it is given (no witness or bus-balance checks,
 * lookups missing from a table simply not counted), so a test can show that the verifier, not the honest prover's
 * self-checks, rejects a forged row.
 */
import { Matrix } from '../../runtime/proof/matrix.ts';
import type { Air } from '../../runtime/proof/air/air.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import type { Verdict } from '../../runtime/proof/merkle/verify.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import { busMessages } from '../../runtime/vm/chips/fp/row-check.ts';
import { U16_BUS, u16Table } from '../../runtime/vm/chips/fp/u16-table.ts';
import { vectorsAir } from '../../runtime/conformance/vectors-air.ts';
import type { TupleTable } from '../../runtime/vm/chips/fp/tuple-table.ts';

/**
 * Proves, with the cheating prover, that `chip`'s `rows` (a power of two of them) hold with their `pins` columns
 * equal to `pinned`, over the 16-bit table and `tables`; returns the verifier's verdict.
 */
export function proveRowsCheating(chip: Air, pins: readonly number[], rows: readonly number[][], tables: readonly TupleTable[] = []): Verdict {
  const messages = busMessages(chip);
  const u16 = rows.flatMap((r) => messages(U16_BUS).map(([v]) => v!(r))).filter((v) => v < 1 << 16);
  const tableTraces = tables.map((t) =>
    t.trace(t.buses.map((bus, i) => rows.flatMap((r) => messages(bus.bus).map((m) => m.map((v) => v(r)))).filter((m) => t.has(i, m)))),
  );
  const system = buildSystem(
    `cheat-${chip.name}`,
    [
      { air: vectorsAir(chip, pins), preprocessed: Matrix.fromRows(rows.map((r) => pins.map((c) => r[c]!))) },
      { air: u16Table.air, preprocessed: u16Table.preprocessed() },
      ...tables.map((t) => ({ air: t.air, preprocessed: t.preprocessed() })),
    ],
    new FriPcs(DEFAULT_PCS_PARAMS),
    true,
  );
  const proof = prove(system, [Matrix.fromRows(rows), u16Table.trace(u16), ...tableTraces], [], { seed: 'cheat', skipChecks: true });
  return verify(system, [], proof);
}

/** Whether every lookup of `row` is in its table (the 16-bit table and `tables`). */
export function lookupsHold(chip: Air, row: readonly number[], tables: readonly TupleTable[] = []): boolean {
  const messages = busMessages(chip);
  if (!messages(U16_BUS).every(([v]) => v!(row) < 1 << 16)) return false;
  return tables.every((t) => t.buses.every((bus, i) => messages(bus.bus).every((m) => t.has(i, m.map((v) => v(row))))));
}
