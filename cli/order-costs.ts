/**
 * What a `verify` clause would cost in each accumulation order, for `zpol info`: the same shape and sample count
 * in sequential, tensor-core and blocked order, each from compiler/check-cost.ts (exact for the compiled clause),
 * with the rows it adds to the CPU and to the arithmetic chip that computes its dot products (the BF16 MAC chip,
 * the f32 adder, the tensor-core chip) and those rows' main-trace cells at the machine's chip widths (byte limbs
 * included; LogUp, quotient and zero-knowledge columns are not counted, nor the openings and Merkle rows, which
 * are the same in every order). The blocked width shown is the clause's own, or 16 (a tensor-core K tile) for a
 * clause in another order.
 */
import { computeCheckCost } from '../compiler/check-cost.ts';
import type { ComputeCheck } from '../runtime/policy/artifact.ts';
import { LIMBED, limbedMma } from '../runtime/vm/machine.ts';
import { macRows, MMA_K, type Opcode } from '../runtime/vm/isa.ts';

export interface OrderCost {
  /** `sequential`, `tensor_core` or `blocked(B)`. */
  readonly order: string;
  /** Whether it is the clause's declared order. */
  readonly declared: boolean;
  readonly cycles: number;
  readonly instructions: number;
  /** Rows added to the arithmetic chips: bf16-mac, f32-add, bf16-mma (one tensor-core operation a row). */
  readonly rows: Readonly<Record<string, number>>;
  /** Main-trace cells of the clause's CPU rows and arithmetic-chip rows. */
  readonly mainCells: number;
  /**
   * Products past K: tensor-core lanes (each operation computes 16 products; K is zero-padded to a multiple of 16),
   * or MAC rows of the sequential order, whose streamed rows are read a word of 8 lanes at a time (K padded to a
   * multiple of 8: compiler/row-streams.ts).
   */
  readonly paddedLanes: number;
}

/** The default blocked width compared against a clause in another order. */
const COMPARED_BLOCK = 16;

export function orderCosts(check: ComputeCheck): OrderCost[] {
  const block = check.order === 'blocked' ? check.block! : COMPARED_BLOCK;
  const orders = [
    { order: 'sequential', shape: { order: 'sequential' as const } },
    { order: 'tensor_core', shape: { order: 'tensor_core' as const } },
    { order: `blocked(${block})`, shape: { order: 'blocked' as const, block } },
  ];
  const declared = check.order === 'blocked' ? `blocked(${check.block})` : check.order;
  return orders.map(({ order, shape }) => {
    const cost = computeCheckCost({ dims: check.dims, samples: check.samples, powBits: check.powBits, ...shape });
    const rows: Record<string, number> = {};
    // A row of the MAC chip per `mac` and per `macl`, eight per `macw`.
    const mac = Object.entries(cost.executed).reduce((sum, [op, n]) => sum + macRows(op as Opcode) * (n ?? 0), 0);
    const fadd = cost.executed.fadd ?? 0;
    const mma = (cost.executed.mma ?? 0) * Math.ceil(check.dims[1] / MMA_K);
    if (mac > 0) rows['bf16-mac'] = mac;
    if (fadd > 0) rows['f32-add'] = fadd;
    if (mma > 0) rows['bf16-mma'] = mma;
    const mainCells = cost.cycles * LIMBED.cpu.air.width + mac * LIMBED.mac.air.width + fadd * LIMBED.fadd.air.width + mma * limbedMma(1).air.width;
    return { order, declared: order === declared, cycles: cost.cycles, instructions: cost.instructions, rows, mainCells, paddedLanes: mma > 0 ? MMA_K * mma - cost.macs : Math.max(0, mac - cost.macs) };
  });
}
