/**
 * What each clause of a policy costs to prove, as `zpol info` reports it (runtime/vm/costs.ts's programCost):
 * the policy is compiled, and each program's instructions are attributed to the clause they come from. Compiled
 * programs are straight-line, so the figures hold for every run. The language server shows them as code lenses
 * and in hovers.
 */
import type { CheckedFile, Program } from '../../language/program.ts';
import { compilePolicy } from '../../compiler/compile.ts';
import { PROOF_KINDS, type ProofKind } from '../../runtime/policy/artifact.ts';
import { programCost } from '../../runtime/vm/costs.ts';

/** A clause's share of one proof: the cycles it adds, and the cells of the rows those add to the chips. */
export interface ClauseShare {
  readonly proof: ProofKind;
  readonly cycles: number;
  readonly cells: number;
}

export interface ProofTotals {
  readonly cycles: number;
  readonly cells: number;
  readonly committedCells: number;
  readonly estimatedProveSeconds: number;
}

export interface PolicyCosts {
  /** By `KIND NAME` (`invariant under_cap`): the clause's share of each proof it is part of. */
  readonly clauses: ReadonlyMap<string, readonly ClauseShare[]>;
  readonly proofs: Readonly<Record<ProofKind, ProofTotals>>;
}

/** The costs of the policy `root` (a program with no errors), or why it does not compile. */
export function policyCosts(program: Program, root: CheckedFile): PolicyCosts | { error: string } {
  let compiled;
  try {
    compiled = compilePolicy(program, root);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const clauses = new Map<string, ClauseShare[]>();
  const proofs = {} as Record<ProofKind, ProofTotals>;
  for (const proof of PROOF_KINDS) {
    const cost = programCost(compiled.programs[proof], compiled.regions[proof]);
    proofs[proof] = { cycles: cost.cycles, cells: cost.cells, committedCells: cost.committedCells, estimatedProveSeconds: cost.estimatedProveSeconds };
    for (const r of cost.clauses) {
      if (r.kind === 'record' || r.kind === 'state' || r.kind === 'on step') continue;
      const key = `${r.kind} ${r.name}`;
      const shares = clauses.get(key) ?? [];
      const same = shares.find((s) => s.proof === proof);
      if (same) shares[shares.indexOf(same)] = { proof, cycles: same.cycles + r.cycles, cells: same.cells + r.cells };
      else shares.push({ proof, cycles: r.cycles, cells: r.cells });
      clauses.set(key, shares);
    }
  }
  return { clauses, proofs };
}

/** `step: 24 cycles, 3,823 cells; genesis: …` */
export function describeShares(shares: readonly ClauseShare[]): string {
  return shares.map((s) => `${s.proof}: ${s.cycles} cycles, ${s.cells.toLocaleString('en-US')} cells`).join('; ');
}
