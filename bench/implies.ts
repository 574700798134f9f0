// `zpol diff A B --implies` (cli/implies/): the time to initialise Z3's WebAssembly build, and per pair of
// policies the verdict and the wall and CPU seconds of the decision (the counterexample's confirmation in the
// zkVM included), in bench/results/implies.json (--quick: the FLOP-cap fixtures only).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideImplication, z3Context } from '../cli/implies/decide.ts';
import { evaluatorConfirm } from '../cli/implies/report.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const at = (p: string) => relative(process.cwd(), join(root, p));
const caps = [
  ['test/fixtures/implies/cap_1e25.zpol', 'test/fixtures/implies/cap_1e26.zpol'],
  ['test/fixtures/implies/cap_1e26.zpol', 'test/fixtures/implies/cap_1e25.zpol'],
];
const shipped = [
  ['policies/eu_ai_act_art51.zpol', 'policies/ca_sb53_frontier.zpol'],
  ['policies/ca_sb53_frontier.zpol', 'policies/eu_ai_act_art51.zpol'],
  ['policies/ca_sb53_frontier.zpol', 'policies/ny_raise_act.zpol'],
  ['policies/eu_ai_act_art51.zpol', 'policies/ny_raise_act.zpol'],
  ['policies/ca_sb53_frontier.zpol', 'policies/ny_raise_act_s6953b.zpol'],
  ['policies/ny_raise_act.zpol', 'policies/ca_sb53_frontier.zpol'],
  ['policies/ny_raise_act.zpol', 'policies/ny_raise_act.zpol'],
  ['policies/data_mixture.zpol', 'policies/data_mixture.zpol'],
];

const t0 = performance.now();
await z3Context();
const z3InitMs = Math.round(performance.now() - t0);
const confirm = await evaluatorConfirm();
const pairs = [];
for (const [a, b] of quick ? caps : [...caps, ...shipped]) {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const r = await decideImplication(at(a!), at(b!), confirm);
  const cpu = process.cpuUsage(cpu0);
  const row = { a, b, verdict: r.verdict, exitCode: r.exitCode, wallSeconds: Number(((performance.now() - t) / 1000).toFixed(2)), cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)), reason: r.reason ?? null };
  pairs.push(row);
  console.log(JSON.stringify(row));
}
const out = {
  bench: 'implies',
  date: new Date().toISOString(),
  quick,
  machine: machineInfo(),
  z3InitMs,
  pairs,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'implies-quick.json' : 'implies.json'), JSON.stringify(out, null, 2) + '\n');
process.exit(0); // Z3's worker threads would keep the process alive
