/**
 * Where a proof's time goes: named phases, each with its exclusive wall and CPU time (CPU from
 * `process.cpuUsage`, so native threads count). A phase timed inside another is subtracted from its parent, so
 * the phases add up to the time measured around them. Benchmarks pass one in (`ProveOptions.profiler`,
 * `FriPcsOptions.profiler`, `profiledBackend`); without one nothing is measured and nothing is allocated.
 */
import type { ProofBackend } from './backend.ts';
import { grindPoseidon2 } from './pow.ts';

export interface PhaseTime {
  wallMs: number;
  cpuMs: number;
  calls: number;
}

interface Frame {
  readonly name: string;
  readonly wall0: number;
  readonly cpu0: number;
  childWall: number;
  childCpu: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export class Profiler {
  readonly phases = new Map<string, PhaseTime>();
  private readonly stack: Frame[] = [];

  time<T>(name: string, f: () => T): T {
    const frame: Frame = { name, wall0: performance.now(), cpu0: cpuNow(), childWall: 0, childCpu: 0 };
    this.stack.push(frame);
    try {
      return f();
    } finally {
      this.stack.pop();
      const wall = performance.now() - frame.wall0;
      const cpu = cpuNow() - frame.cpu0;
      const p = this.phases.get(name) ?? { wallMs: 0, cpuMs: 0, calls: 0 };
      p.wallMs += wall - frame.childWall;
      p.cpuMs += cpu - frame.childCpu;
      p.calls++;
      this.phases.set(name, p);
      const parent = this.stack[this.stack.length - 1];
      if (parent) {
        parent.childWall += wall;
        parent.childCpu += cpu;
      }
    }
  }

  /** The phases, largest CPU time first, rounded to 0.1 ms. */
  summary(): { phase: string; wallMs: number; cpuMs: number; calls: number }[] {
    return [...this.phases]
      .map(([phase, p]) => ({ phase, wallMs: Math.round(p.wallMs * 10) / 10, cpuMs: Math.round(p.cpuMs * 10) / 10, calls: p.calls }))
      .sort((a, b) => b.cpuMs - a.cpuMs);
  }
}

/** Runs `f` as phase `name` of `profiler`, or just runs it. */
export function timed<T>(profiler: Profiler | undefined, name: string, f: () => T): T {
  return profiler ? profiler.time(name, f) : f();
}

/** `backend` with each kernel timed as a phase of `profiler` ('backend: lde', 'backend: merkle', …). */
export function profiledBackend(backend: ProofBackend, profiler: Profiler): ProofBackend {
  const t = <T>(name: string, f: () => T): T => profiler.time(`backend: ${name}`, f);
  const b: ProofBackend = {
    name: backend.name,
    liftMinWidth: backend.liftMinWidth,
    nttColumns: (v, w) => t('ntt', () => backend.nttColumns(v, w)),
    inttColumns: (v, w) => t('ntt', () => backend.inttColumns(v, w)),
    cosetNttColumns: (v, w, s) => t('ntt', () => backend.cosetNttColumns(v, w, s)),
    cosetInttColumns: (v, w, s) => t('ntt', () => backend.cosetInttColumns(v, w, s)),
    cosetLde: (m, l, s) => t('lde', () => backend.cosetLde(m, l, s)),
    supportsHasher: (h) => backend.supportsHasher(h),
    hashLeaves: (h, m, s) => t('merkle', () => backend.hashLeaves(h, m, s)),
    merkleLayers: (h, m, s) => t('merkle', () => backend.merkleLayers(h, m, s)),
    merkleNodes: (h, below) => t('merkle', () => backend.merkleNodes(h, below)),
    grind: (c, bits) => t('grind', () => backend.grind(c, bits)),
    grindPoseidon2: (c, bits) => t('grind', () => (backend.grindPoseidon2 ? backend.grindPoseidon2(c, bits) : grindPoseidon2(c, bits))),
  };
  if (backend.grindPoseidon2Lanes) {
    const lanes = backend.grindPoseidon2Lanes.bind(backend);
    b.grindPoseidon2Lanes = (c, thresholds, start, end) => t('grind', () => lanes(c, thresholds, start, end));
  }
  if (backend.cosetLdeRandomized) {
    const lde = backend.cosetLdeRandomized.bind(backend);
    b.cosetLdeRandomized = (m, r, l, s) => t('lde', () => lde(m, r, l, s));
  }
  if (backend.recycle) b.recycle = backend.recycle.bind(backend);
  if (backend.bitReverseRows) {
    const rev = backend.bitReverseRows.bind(backend);
    b.bitReverseRows = (v, w) => t('merkle', () => rev(v, w));
  }
  if (backend.foldCodeword) {
    const fold = backend.foldCodeword.bind(backend);
    b.foldCodeword = (cw, l, s, beta, a) => t('fold', () => fold(cw, l, s, beta, a));
  }
  if (backend.allCanonical) b.allCanonical = backend.allCanonical.bind(backend);
  if (backend.keyedFieldStream) {
    const stream = backend.keyedFieldStream.bind(backend);
    b.keyedFieldStream = (key, lo, hi, out) => t('salts', () => stream(key, lo, hi, out));
  }
  if (backend.weightedColumnSums) {
    const sums = backend.weightedColumnSums.bind(backend);
    b.weightedColumnSums = (m, w, c) => t('deep', () => sums(m, w, c));
  }
  if (backend.combineColumns) {
    const combine = backend.combineColumns.bind(backend);
    b.combineColumns = (m, c, k, o, st, off) => t('deep', () => combine(m, c, k, o, st, off));
  }
  if (backend.reducedQuotient) {
    const reduce = backend.reducedQuotient.bind(backend);
    b.reducedQuotient = (l, terms, lifted, points, claimed) => t('deep', () => reduce(l, terms, lifted, points, claimed));
  }
  const withLogup: ProofBackend = backend.logupAux ? { ...b, logupAux: (input) => t('logup', () => backend.logupAux!(input)) } : b;
  if (backend.evaluateBaseRows) {
    const rows = backend.evaluateBaseRows.bind(backend);
    withLogup.evaluateBaseRows = (p, i) => t('logup', () => rows(p, i));
  }
  if (backend.evaluateQuotient) {
    const q = backend.evaluateQuotient.bind(backend);
    return { ...withLogup, evaluateQuotient: (p, i, g, z) => t('quotient', () => q(p, i, g, z)) };
  }
  return withLogup;
}
