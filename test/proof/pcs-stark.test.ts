// Integration: the STARK prover and verifier (runtime/proof/stark) over the FRI PCS at its default parameters,
// with and without zero knowledge, including the proof's byte encoding. The STARK layer's own tests use a plain
// test PCS; this checks that the real one plugs in.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { decodeStarkProof, encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import * as X from '../fixtures/sample-airs.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof } from '../../runtime/proof/pcs/index.ts';

for (const zk of [false, true]) {
  describe(`STARK over the FRI PCS (zk ${zk})`, () => {
    const pcs = new FriPcs({ ...DEFAULT_PCS_PARAMS, zk });

    it('proves a Fibonacci table, survives encoding, rejects other public inputs', () => {
      const system = buildSystem('fib', [{ air: X.fibonacciAir }], pcs, zk);
      const { trace, publics } = X.fibonacciTrace(5);
      const proof = prove(system, [trace], publics, { seed: 'fib' });
      expect(verify(system, publics, proof)).toEqual({ ok: true });
      expect(verify(system, [publics[0]!, publics[1]!, F.add(publics[2]!, 1)], proof).ok).toBe(false);
      const bytes = encodeStarkProof(proof, encodeFriPcsProof);
      const decoded = decodeStarkProof(bytes, system, (b, layouts) => decodeFriPcsProof(b, pcs.params, layouts));
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect(verify(system, publics, decoded.value)).toEqual({ ok: true });
    });

    it('range-checks through a preprocessed table and connects tables of different heights', () => {
      const u16 = buildSystem('u16', [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }], pcs, zk);
      const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
      const p1 = prove(u16, [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], [], { seed: 'u16' });
      expect(verify(u16, [], p1)).toEqual({ ok: true });
      const bus = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], pcs, zk);
      const p2 = prove(bus, [X.squaresTrace(3, 17), X.consumerTrace(5, 8, 17)], [17], { seed: 'bus' });
      expect(verify(bus, [17], p2)).toEqual({ ok: true });
      expect(verify(bus, [18], p2).ok).toBe(false);
    });
  });
}
