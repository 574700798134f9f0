// Red team (issue #24, #18): a prover that skips one proof-of-work puzzle and otherwise proves honestly. Its proof
// is consistent — every challenge after the skipped puzzle is drawn from the transcript with the unsolved nonce
// absorbed — so a verifier that absorbs a nonce without checking it would accept it. The TypeScript verifier
// rejects it naming the puzzle; so must the verifier program (runtime/aggregate/verifier.ts), for each puzzle: the
// nonces before the LogUp challenges, ζ, the batching coefficients, each folding β, and the query grinding. Each
// program failure names its puzzle, so a program that lost one check fails this test (it would fail at a later
// puzzle, or accept).
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { checkPoseidon2Pow } from '../../runtime/proof/pow.ts';
import { FriPcs, POSEIDON2_PCS_PARAMS, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { prove, type StarkProof } from '../../runtime/proof/stark/prover.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { POSEIDON2_FRAMES, Poseidon2Transcript, u64Elements } from '../../runtime/proof/transcript-poseidon2.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { starkVerifier } from '../../runtime/aggregate/verifier.ts';
import * as X from '../fixtures/sample-airs.ts';

/** The Poseidon2 transcript, except that its `skip`-th grind (0-based) absorbs the least nonce that does NOT solve. */
class SkippingTranscript extends Poseidon2Transcript {
  private calls = 0;
  constructor(
    protocol: string,
    private readonly skip: number,
  ) {
    super(protocol);
  }
  override grind(bits: number, solver?: Parameters<Poseidon2Transcript['grind']>[1]): number {
    if (this.calls++ !== this.skip) return super.grind(bits, solver);
    // The private steps of `grind`: the puzzle's challenge, then the nonce absorbed as an honest prover absorbs it.
    const self = this as unknown as { powChallenge(bits: number): Uint32Array; absorb(kind: number, label: string, data: readonly number[]): void };
    const challenge = self.powChallenge(bits);
    let nonce = 0;
    while (checkPoseidon2Pow(challenge, bits, nonce)) nonce++;
    self.absorb(POSEIDON2_FRAMES.Kind.PowNonce, 'pow-nonce', [bits, ...u64Elements(nonce)]);
    return nonce;
  }
}

const airs = () => [{ air: X.fibonacciAir }, { air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
const honest = buildSystem('fib-u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);
const cheating = (skip: number) => buildSystem('fib-u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2, transcript: (p) => new SkippingTranscript(p, skip) }), true);

const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
const fib = X.fibonacciTrace(3, 2, 1);
const traces = () => [fib.trace, X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))];
const proveWith = (skip: number): StarkProof<FriPcsProof> => prove(cheating(skip), traces(), fib.publics, { seed: 'skipping' });
const runProgram = (proof: StarkProof<FriPcsProof>) => {
  const built = starkVerifier(honest, proof.logHeights, { publics: fib.publics, proof });
  return () => execute(built.program, { privateInputs: built.tape });
};

describe('a prover that skips one proof-of-work puzzle', () => {
  it('is the honest prover when it skips none, and both verifiers accept it', () => {
    expect(cheating(-1).digest).toEqual(honest.digest);
    const proof = proveWith(-1);
    expect(verify(honest, fib.publics, proof)).toEqual({ ok: true });
    expect(runProgram(proof)).not.toThrow();
  });

  // The prover grinds in this order: LogUp, ζ, the batching coefficients, each round's β, the queries.
  const rounds = proveWith(-1).pcsProof.fri.roots.length;
  expect(rounds).toBeGreaterThan(1);
  const puzzles: { name: string; ts: RegExp; vm: RegExp }[] = [
    { name: 'LogUp', ts: /before the LogUp challenges/, vm: /proof-of-work puzzle \(before the LogUp challenges\)/ },
    { name: 'ζ', ts: /before the out-of-domain point/, vm: /proof-of-work puzzle \(before ζ\)/ },
    { name: 'batching', ts: /before the batching coefficients/, vm: /proof-of-work puzzle \(before the batching coefficients\)/ },
    ...Array.from({ length: rounds }, (_, r) => ({ name: `β ${r}`, ts: new RegExp(`round ${r}: the nonce ground before its folding challenge`), vm: new RegExp(`proof-of-work puzzle \\(before FRI round ${r}'s β\\)`) })),
    { name: 'queries', ts: /the grinding nonce does not solve/, vm: /proof-of-work puzzle \(before the query indices\)/ },
  ];
  it.each(puzzles.map((p, skip) => ({ ...p, skip })))('is rejected by both verifiers when it skips the puzzle before $name', ({ skip, ts, vm }) => {
    const proof = proveWith(skip);
    const v = verify(honest, fib.publics, proof);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(ts);
    expect(runProgram(proof)).toThrow(vm);
  });
});
