/**
 * How often each instruction of a program runs, known from the program alone when its only control flow is
 * bounded loops (the compiler's sample loop, docs/vm.md "Bounded loops"): the basis of the cost model (costs.ts)
 * and of the tensor-core chip's slots per row (machine.ts machineMmaGroups), which the prover and the verifier
 * both derive from the program.
 */
import type { Program } from './program.ts';
import { SLOTS } from './isa.ts';
import { P } from '../proof/field/babybear.ts';

/**
 * How many times each instruction runs, for programs whose only control flow is bounded loops: a `branch c` back
 * to pc t whose previous instruction is `addi c, c, #−1`, the instruction before t is `set c, #n` (n ≥ 1), and
 * nothing in between writes c; such a loop runs its body n times (the counter reaches zero after n decrements),
 * and loops nest. Any other jump or branch makes the counts depend on the run: an error.
 */
export function executionCounts(program: Program): Uint32Array {
  const ins = program.instructions;
  const counts = new Uint32Array(ins.length).fill(1);
  const loops: { from: number; to: number }[] = [];
  ins.forEach((b, pc) => {
    if (b.op === 'jump') throw new Error(`costs: the jump at pc ${pc} is not a bounded loop`);
    if (b.op !== 'branch') return;
    const t = b.imm;
    const dec = ins[pc - 1];
    const init = ins[t - 1];
    const bounded =
      t >= 1 && t < pc && dec?.op === 'addi' && dec.a === b.a && dec.c === b.a && dec.imm === P - 1 && init?.op === 'set' && init.c === b.a && init.imm >= 1 && init.imm < P &&
      ins.slice(t, pc - 1).every((x) => !(SLOTS[x.op].c && x.c === b.a));
    if (!bounded) throw new Error(`costs: the branch at pc ${pc} is not a bounded loop`);
    // Loops nest or are disjoint.
    if (loops.some((l) => l.from < t && t <= l.to && l.to < pc)) throw new Error(`costs: the loop ending at pc ${pc} overlaps another`);
    loops.push({ from: t, to: pc });
    for (let x = t; x <= pc; x++) {
      // Stored in 32 bits: a count past 2^32 − 1 would wrap (no run that long can be proven: MAX_SEGMENTS segments).
      const n = counts[x]! * init.imm;
      if (n > 0xffffffff) throw new Error(`costs: the loops around pc ${x} run it ${n} times, more than 2^32 − 1`);
      counts[x] = n;
    }
  });
  return counts;
}
