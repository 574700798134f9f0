// Where a demo step proof's bytes go (issue #18: ≤ 150 KB): the proof at the default parameters for its heights (native backend when
// built), its bytes by part (proof-composition.ts), and per table the columns every query opens (main, LogUp as base
// columns, preprocessed unless the verifier holds them, quotient chunks as base columns), the extension values it
// sends at ζ and ω·ζ (preprocessed included; one a LogUp column or quotient chunk), its heights
// and degree. Bytes and column counts are exact; the sibling counts vary by a few KB with the query positions.
// Writes bench/results/proof-size.json (--out=FILE writes there instead).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend } from '../gpu/index.ts';
import { tsBackend } from '../runtime/proof/backends/ts.ts';
import { FriPcs } from '../runtime/proof/pcs/fri-pcs.ts';
import { pcsParamsForHeight } from '../runtime/proof/pcs/security.ts';
import { encodeFriPcsProof } from '../runtime/proof/pcs/codec.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { quotientLogCap, zkLayout, type StarkSystem } from '../runtime/proof/stark/system.ts';
import { machine, proveExecution, vmTraces } from '../runtime/vm/machine.ts';
import { demoStep } from './demo-step.ts';
import { machineInfo } from './machine.ts';
import { composition, verifyMs } from './proof-composition.ts';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv.slice(2).find((a) => a.startsWith('--out='))?.slice(6);

/** Per table: heights, degree and what a query opens of it (base columns) and what ζ and ω·ζ carry (extension values). */
export function tableColumns(system: StarkSystem<unknown>, logHeights: readonly number[]) {
  const cap = quotientLogCap(system, logHeights);
  return system.tables.map((t, i) => {
    const z = zkLayout(system, i, logHeights[i]!, cap);
    const main = t.analyzed.air.width;
    const aux = 4 * t.logup.auxWidth;
    const pre = t.preprocessed?.width ?? 0;
    // Preprocessed rows travel only when the verifier does not hold their commitment (PcsParams.verifierHoldsPublic).
    const preOpened = system.pcs.params.verifierHoldsPublic === true ? 0 : pre;
    const quotient = 4 * z.chunks;
    return {
      table: t.analyzed.air.name,
      logHeight: logHeights[i]!,
      logCommitted: z.logCommitted,
      quotientLogHeight: z.quotientLogHeight,
      degree: t.degree,
      openedPerQuery: { main, logup: aux, preprocessed: preOpened, quotient, total: main + aux + preOpened + quotient },
      // LogUp columns and quotient chunks are opened as one extension value each (stark/protocol.ts CommitLayout.packed).
      valuesAtZeta: main + t.logup.auxWidth + pre + z.chunks,
      valuesAtOmegaZeta: t.nextColumns.main.length + t.nextColumns.pre.length + t.nextColumns.aux.length,
    };
  });
}

const { exec, seed } = demoStep();
const backend = cpuBackend() ?? tsBackend;
const traces = vmTraces(exec);
// The parameters `zpol prove` takes for these heights (SMALL_TRACE_PCS_PARAMS for the demo step).
const params = pcsParamsForHeight(traces.map((t) => Math.log2(t.height)));
const m = machine(exec.program, new FriPcs(params, { backend }));
const proof = proveExecution(m, exec, { seed, traces });
const bytes = encodeStarkProof(proof.stark, encodeFriPcsProof);
const tables = tableColumns(m.system, proof.stark.logHeights);
const sum = (f: (t: (typeof tables)[number]) => number) => tables.reduce((s, t) => s + f(t), 0);
const result = {
  bench: 'proof-size',
  date: new Date().toISOString(),
  how: 'node --import tsx bench/proof-size.ts: the demo step proved once at the BLAKE3 defaults for its heights (pcsParamsForHeight)',
  machine: machineInfo(),
  pcs: params,
  proofBytes: bytes.length,
  conjecturedBits: starkSecurity(m.system, proof.stark.logHeights).conjecturedBits,
  verifyMs: Number(verifyMs(bytes, exec, params, 3).toFixed(1)),
  composition: composition(proof.stark, bytes.length),
  openedPerQuery: {
    // The zk mask R, 4 base columns of the quotient commitment (pcs/types.ts CommitmentShape.mask).
    mask: m.system.pcs.params.zk ? 4 : 0,
    main: sum((t) => t.openedPerQuery.main),
    logup: sum((t) => t.openedPerQuery.logup),
    preprocessed: sum((t) => t.openedPerQuery.preprocessed),
    quotient: sum((t) => t.openedPerQuery.quotient),
    total: sum((t) => t.openedPerQuery.total) + (m.system.pcs.params.zk ? 4 : 0),
  },
  valuesAtZeta: sum((t) => t.valuesAtZeta),
  valuesAtOmegaZeta: sum((t) => t.valuesAtOmegaZeta),
  tables,
};
console.log(JSON.stringify({ proofBytes: result.proofBytes, conjecturedBits: result.conjecturedBits, verifyMs: result.verifyMs, openedPerQuery: result.openedPerQuery, composition: result.composition }, null, 1));
const file = out ?? join(here, 'results', 'proof-size.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
