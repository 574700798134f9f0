// Red team: the report's weakest figure counts every draw a verdict rests on. from_sources and embeds draw their
// rows by Fiat–Shamir over commitments the prover can make again, so each draw is worth what one draw is,
// −log2((3/4)^k) bits with a quarter of the rows wrong, plus the proof of work it is made behind (GRINDING; none
// without it). Before, `security.weakest` named only the STARK proofs, the compute checks and the family draws:
// the demo reported 36.1 bits (its compute check) while its membership check, 8 rows drawn afresh at each
// commitment, was worth 3.3; behind 17 bits of work now, 20.3.
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { formatChainReport } from '../../cli/chain.ts';
import { compiled } from '../fixtures/compiled.ts';


describe('red team: the weakest figure counts the row draws of from_sources and embeds', () => {
  it('names the demo\'s membership draw, below its compute check', () => {
    const demo = compiled('policies/demo.zpol');
    const m = demo.artifact.members![0]!;
    expect(m.samples).toBe(8);
    const { security } = verifyChain(demo, []);
    expect(m.powBits).toBe(17);
    const bits = Math.round((-Math.log2(0.75 ** 8) + 17) * 10) / 10;
    expect(bits).toBe(20.3);
    expect(security.weakest).toEqual({ what: `${m.clause}: from_sources's 8 sampled rows (one step, a quarter of its rows wrong) against a prover that commits again to redraw them, behind 17 bits of proof of work a draw`, bits });
    // Without GRINDING the draw has no work, and the report says so.
    const bare = { ...demo, artifact: { ...demo.artifact, members: [{ ...m, powBits: undefined }] } };
    expect(verifyChain(bare, []).security.weakest).toEqual({ what: `${m.clause}: from_sources's 8 sampled rows (one step, a quarter of its rows wrong) against a prover that commits again to redraw them, with no proof of work`, bits: 3.3 });
    expect(security.computeChecks[0]!.grindingBits).toBeGreaterThan(bits);
    // zpol verify prints each row draw beside the compute checks, then the weakest.
    const text = formatChainReport(verifyChain(demo, []), 'proofs');
    expect(text).toContain(`  security: ${m.clause}: from_sources's 8 sampled rows (one step, a quarter of its rows wrong) against a prover that commits again to redraw them, behind 17 bits of proof of work a draw: 20.3 bits`);
    expect(text).toContain('  security: weakest 20.3 bits: invariant batch_from_sources');
  });

  it('lists an embeds draw and a from_sources draw among the row draws', () => {
    const gpt = compiled('policies/tiny_gpt.zpol');
    const [e, m] = [gpt.artifact.embeds![0]!, gpt.artifact.members![0]!];
    const { security } = verifyChain(gpt, []);
    const bits = (k: number, w: number) => Math.round((-Math.log2(0.75 ** k) + w) * 10) / 10;
    expect([m.powBits, e.powBits]).toEqual([19, 17]);
    expect(security.rowDraws).toEqual([
      { what: `${m.clause}: from_sources's ${m.samples} sampled rows (one step, a quarter of its rows wrong) against a prover that commits again to redraw them, behind 19 bits of proof of work a draw`, bits: bits(m.samples, 19) },
      { what: `${e.clause}: embeds's ${e.samples} sampled rows (one step, a quarter of its rows wrong) against a prover that commits again to redraw them, behind 17 bits of proof of work a draw`, bits: bits(e.samples, 17) },
    ]);
    // tiny_gpt's weakest stays its family draw (1 bit a step, README), below both.
    expect(security.weakest!.what).toMatch(/member draw/);
    expect(security.weakest!.bits).toBeLessThan(bits(m.samples, 19));
  });
});
