/**
 * What a draw's proof of work costs the honest prover, and the warning (ZP2025) when it is more than about an
 * hour of one core (reported by verify-settings.ts for compute checks, draw-work.ts for row draws). The hard limit
 * stays MAX_POW_BITS (60: two digest lanes, verify-settings.ts): work up to it is sound and provable in principle, but 2^60 compressions is centuries of CPU time, so a policy asking for more
 * than an hour a draw (each check, each step) hears it when it is checked, with the figure, instead of finding out
 * from a prover that does not finish.
 *
 * The rate is measured, not assumed: the native search (gpu/native/grind.cc grind_poseidon2_lanes, through
 * runtime/run/sampling.ts grind) makes about 2.4 million Poseidon2 compressions a CPU-second on the 2-core AMD EPYC
 * development machine (bench/results/grind.json, the `draw` row: 2.45 million, 1.8 with fewer tries under load). The
 * TypeScript reference search is ten times slower.
 */

/** Compressions a CPU-second of the native draw search (bench/results/grind.json, `draw`, native). */
export const NATIVE_POW_TRIES_PER_CPU_SECOND = 2_400_000;

/** The most work that stays within an hour of one core at that rate: 2^33 (0.99 CPU-hours; 2^34 is 2.0). */
export const POW_BITS_WITHIN_AN_HOUR = Math.floor(Math.log2(NATIVE_POW_TRIES_PER_CPU_SECOND * 3600));

/** Expected CPU-hours of `bits` bits of work (2^bits compressions) at the native rate. */
export function powCpuHours(bits: number): number {
  return 2 ** bits / NATIVE_POW_TRIES_PER_CPU_SECOND / 3600;
}

function hours(h: number): string {
  if (h < 100) return `${h.toPrecision(2)} CPU-hours`;
  const years = h / (24 * 365);
  return years < 1 ? `${Math.round(h).toLocaleString('en-US')} CPU-hours` : `${Math.round(h).toLocaleString('en-US')} CPU-hours (${years < 100 ? years.toPrecision(2) : Math.round(years).toLocaleString('en-US')} CPU-years)`;
}

/** The warning's text for `bits` bits of work a draw, or null when it stays within an hour of one core. */
export function powCostWarning(what: string, bits: number, remedy: string): string | null {
  if (bits <= POW_BITS_WITHIN_AN_HOUR) return null;
  return (
    `${what} takes ${bits} bits of proof of work: 2^${bits} compressions ≈ ${hours(powCpuHours(bits))} for every draw (each step), at the native search's ` +
    `${NATIVE_POW_TRIES_PER_CPU_SECOND / 1e6} million a CPU-second (bench/results/grind.json), past about an hour of one core (2^${POW_BITS_WITHIN_AN_HOUR}); ${remedy}`
  );
}
