/** The FRI tests' input oracle: the values the inputs have at the queries, as the PCS would report them. */
import type { FriInput } from '../../../runtime/proof/fri/index.ts';

export function oracleFor(inputs: readonly FriInput[], logBlowup: number) {
  return (queries: readonly number[]) => {
    const logMax = inputs[0]!.logDegree + logBlowup;
    const out = new Uint32Array(4 * queries.length * inputs.length);
    queries.forEach((q, t) =>
      inputs.forEach((inp, i) => {
        const pos = Math.floor(q / 2 ** (logMax - inp.logDegree - logBlowup));
        out.set(inp.codeword.subarray(4 * pos, 4 * pos + 4), 4 * (t * inputs.length + i));
      }),
    );
    return { ok: true as const, values: out };
  };
}
