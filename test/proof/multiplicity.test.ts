// LogUp's multiplicity bound (runtime/proof/air/multiplicity.ts): sums that cancel mod p mean every message was
// received only while no bus carries p messages. The system bounds each send's multiplicity from its expression,
// and the verifier refuses heights at which some bus could carry p.
import { describe, expect, it } from 'vitest';
import { analyze, type Air } from '../../runtime/proof/air/air.ts';
import { booleanColumns, busLoadProblem, rowLoads } from '../../runtime/proof/air/multiplicity.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { byteTable, RANGE_BUS } from '../fixtures/sample-airs.ts';
import { machine } from '../../runtime/vm/machine.ts';
import { cpuAir } from '../../runtime/vm/chips/cpu.ts';
import { compileFile } from '../../compiler/index.ts';
import { plainPcs } from './helpers/plain-pcs.ts';

const air = (name: string, width: number, eval_: Air['eval'], extra: Partial<Air> = {}): Air => ({ name, width, preprocessedWidth: 0, publicInputs: 0, eval: eval_, ...extra });

describe('multiplicity bounds', () => {
  it('finds boolean columns by their constraint, and bounds multiplicities by interval arithmetic', () => {
    const a = analyze(
      air('t', 4, (b) => {
        b.assertBool(b.main(0));
        b.assertBool(b.main(1));
        b.send(RANGE_BUS, [b.main(3)]); // 1
        b.send(RANGE_BUS, [b.main(3)], b.main(0)); // a bit
        b.send(RANGE_BUS, [b.main(3)], b.main(0).add(b.main(1))); // two bits: at most 2
        b.send(RANGE_BUS, [b.main(3)], b.constant(1).sub(b.main(0))); // 1 − bit
        b.receive(RANGE_BUS, [b.main(3)], b.main(2)); // a free receive (a lookup table's count)
      }),
    );
    expect([...booleanColumns(a)]).toEqual([0, 1]);
    expect(rowLoads(a).get(RANGE_BUS)).toEqual({ send: 5, receive: 0, freeReceive: true });
  });

  it('refuses a send whose multiplicity is not a bounded non-negative integer', () => {
    const free = (m: (b: Parameters<Air['eval']>[0]) => Parameters<Parameters<Air['eval']>[0]['send']>[2]) =>
      analyze(air('t', 2, (b) => (b.assertBool(b.main(0)), b.send(RANGE_BUS, [b.main(1)], m(b)))));
    expect(() => rowLoads(free((b) => b.main(1)))).toThrow(/not a bounded non-negative integer/); // an unconstrained column
    expect(() => rowLoads(free((b) => b.main(0).sub(1)))).toThrow(/not a bounded/); // bit − 1 can be −1: a receive
    expect(() => rowLoads(free((b) => b.constant(P - 1)))).toThrow(/not a bounded/); // −1
    expect(() => rowLoads(free((b) => b.isTransition))).toThrow(/not a bounded/); // selectors are not 0/1 values
    expect(() => buildSystem('t', [{ air: air('t', 2, (b) => b.send(RANGE_BUS, [b.main(0)], b.main(1))) }, { air: byteTable.air, preprocessed: byteTable.preprocessed() }], plainPcs as never, false)).toThrow(
      /a send on bus 1 has a multiplicity that is not a bounded/,
    );
  });

  it('the CPU declares its opcode selectors one-hot (pinned by the program ROM), so a sum of them is at most 1', () => {
    expect(cpuAir.oneHot?.why).toMatch(/program ROM/);
    const loads = rowLoads(analyze(cpuAir));
    // Three memory slots, one range check each, one per row at most; one fetch.
    expect(loads.get(16)!.send).toBe(3);
    expect(loads.get(32)!.send).toBe(1);
  });

  // The chips' 16-bit checks are two byte lookups each (vm/chips/byte-limbs.ts): the byte bus carries the load. The
  // CPU's 2^22 cycles cap every chip's rows (one per instruction at most), so all tables at 2^22 is the worst case.
  it('bounds the heights of a zkVM machine: all tables at 2^22 rows pass, all at 2^23 break the byte range bus', () => {
    const r = compileFile('policies/demo.zpol');
    if (!r.ok) throw new Error('the demo policy does not compile');
    const { system } = machine(r.compiled.programs.step);
    const at = (h: number) => busLoadProblem(system.rowLoads, system.tables.map((t) => t.fixedLogHeight ?? h));
    expect(at(20)).toBeNull();
    expect(at(22)).toBeNull();
    expect(at(23)).toMatch(/^bus 38: up to \d+ messages sent at these table heights, not below p = 2013265921/);
  });

  it('the verifier refuses a proof whose declared heights could carry p messages on a bus, before reading anything else', () => {
    // 128 range checks a row: at 2^24 rows, 2^31 > p sends.
    const wide = air('wide', 1, (b) => {
      for (let i = 0; i < 128; i++) b.send(RANGE_BUS, [b.main(0)]);
    });
    const system = buildSystem('wide', [{ air: wide }, { air: byteTable.air, preprocessed: byteTable.preprocessed() }], plainPcs as never, false);
    const trace = Matrix.fromRows(Array.from({ length: 8 }, (_, i) => [i]));
    const counts = byteTable.trace(Array.from({ length: 8 * 128 }, (_, k) => Math.floor(k / 128)));
    const proof = prove(system, [trace, counts], [], { seed: 'bound' });
    expect(verify(system, [], proof)).toEqual({ ok: true });
    const tall = { ...proof, logHeights: [24, ...proof.logHeights.slice(1)] };
    expect(verify(system, [], tall)).toEqual({ ok: false, error: expect.stringMatching(/^the table heights exceed LogUp's multiplicity bound: bus 1: up to 2147483648 messages sent/) });
    const fine = { ...proof, logHeights: [23, ...proof.logHeights.slice(1)] };
    expect(verify(system, [], fine).ok).toBe(false); // a wrong height fails later, for another reason
    expect((verify(system, [], fine) as { error: string }).error).not.toMatch(/multiplicity bound/);
  });
});
