// What every benchmark records about the machine it ran on (bench/results/*.json `machine`): the load average
// matters because these machines are shared; CPU time, not wall time, is the figure to compare across runs.
import { cpus, loadavg, totalmem } from 'node:os';

export function machineInfo(): { node: string; cpu: string; cores: number; memGiB: number; loadavg: number[] } {
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  };
}
