import { nativeAddon } from '../../gpu/index.ts';

/**
 * Runs `f` once for every vector version the CPU has (gpu/native/simd.cc: AVX-512, AVX2, scalar), each cap selecting
 * the best version at most it, and restores the best one after; returns the versions that ran (a test expects
 * 'scalar' among them, so the portable fallback is always checked).
 */
export function eachSimdLevel(f: (level: string) => void): string[] {
  const a = nativeAddon()!;
  const ran: string[] = [];
  try {
    for (const cap of ['scalar', 'avx2', '']) {
      const level = a.simdLevel(cap);
      if (ran.includes(level)) continue;
      ran.push(level);
      f(level);
    }
  } finally {
    a.simdLevel('');
  }
  return ran;
}
