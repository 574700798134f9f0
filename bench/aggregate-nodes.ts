// What the level-1 node program of a policy's run proof costs (issue #24, runtime/aggregate/node.ts): for the demo
// and the tiny test policy, the node verifying two of its step proofs, built from the policy alone (no proof): its
// cycles (straight-line: one an instruction) by part of the two verifications (statement, PCS claims, FRI
// commitments, Merkle paths, reduced quotients, FRI queries, constraints at ζ; the links and outputs), its
// Poseidon2 and Merkle rows, its memory words and the padded rows of every table (runtime/vm/costs.ts
// programTableRows): exact counts, not timings. Seconds: under a minute (no commitment is made).
// Usage: node --import tsx bench/aggregate-nodes.ts. Merges its figures into bench/results/aggregate.json under
// `nodes` (bench/aggregate.ts keeps them).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { stepLeaf } from '../runtime/chain/aggregate.ts';
import { nodeVerifier } from '../runtime/aggregate/node.ts';
import { spanNode } from '../runtime/aggregate/span.ts';
import { programTableRows } from '../runtime/vm/costs.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));

function measure(name: string, path: string) {
  const compiled = compileFile(path);
  if (!compiled.ok) throw new Error(`${path} does not compile`);
  const leaf = stepLeaf(compiled);
  const { program, parts } = nodeVerifier(spanNode(leaf, leaf), null);
  const byPart: Record<string, { cycles: number; poseidon2Rows: number; merkleRows: number }> = {};
  for (const p of parts) {
    const at = (byPart[p.name] ??= { cycles: 0, poseidon2Rows: 0, merkleRows: 0 });
    for (let i = p.start; i < p.end; i++) {
      const ins = program.instructions[i]!;
      at.cycles++;
      if (ins.op === 'hash') at.poseidon2Rows++;
      if (ins.op === 'merkle') (at.poseidon2Rows += ins.imm), (at.merkleRows += ins.imm);
    }
  }
  const rows = programTableRows(program);
  const row = {
    policy: name,
    stepLogHeights: leaf.child.logHeights,
    cycles: program.instructions.length,
    memoryWords: program.memorySize,
    poseidon2Rows: Object.values(byPart).reduce((s, p) => s + p.poseidon2Rows, 0),
    merkleRows: Object.values(byPart).reduce((s, p) => s + p.merkleRows, 0),
    tables: Object.fromEntries(rows.map((r) => [r.table, r.rows])),
    parts: byPart,
  };
  console.log(JSON.stringify({ policy: name, cycles: row.cycles, cpuRows: row.tables.cpu }));
  return row;
}

const rows = [measure('demo', join(here, '..', 'policies', 'demo.zpol')), measure('tiny (test/fixtures/policies/proof_fuzz.zpol)', join(here, '..', 'test', 'fixtures', 'policies', 'proof_fuzz.zpol'))];
const file = join(here, 'results', 'aggregate.json');
const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
results.nodes = {
  date: new Date().toISOString(),
  machine: machineInfo(),
  note: "The level-1 node program of each policy's run proof (two step proofs verified and linked), built from the policy alone: cycles by part (summed over both children; outputs: the links and the outputs), Poseidon2 rows (a hash is one, a merkle of depth d is d) and Merkle rows, memory words, each table's padded rows. Exact counts. before: the same program at 8b425dc (this benchmark did not exist; counted with the same code), before session 33's cuts (query.ts's shared bits, suffixes and points; deep.ts's slots and emul lane sums).",
  before: { demo: { cycles: 310852, cpuRows: 524288, memoryWords: 262144, u16Range: true }, tiny: { cycles: 178632, cpuRows: 262144, memoryWords: 131072 } },
  rows,
};
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
