/**
 * Proving a chip's statement and measuring it, the same way for every conformance proof: prove, verify, encode,
 * and count each table's committed cells (with the zero-knowledge extension and the quotient chunks), which is
 * what "cells per operation" divides.
 */
import type { Matrix } from '../proof/matrix.ts';
import { committedCells, quotientLogCap, type StarkSystem } from '../proof/stark/system.ts';
import { prove } from '../proof/stark/prover.ts';
import { verify } from '../proof/stark/verifier.ts';
import { encodeStarkProof } from '../proof/stark/codec.ts';
import { starkSecurity } from '../proof/stark/security.ts';
import { encodeFriPcsProof, type FriPcsProof } from '../proof/pcs/index.ts';
import { proveExecution, verifyExecution, type Machine } from '../vm/machine.ts';
import type { Execution } from '../vm/executor.ts';

export interface MeasuredProof {
  readonly ok: boolean;
  readonly error?: string;
  readonly proofBytes: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  /** CPU time of this process while proving and verifying (user + system; native threads add up). */
  readonly proveCpuMs: number;
  readonly verifyCpuMs: number;
  readonly conjecturedBits: number;
  /** Committed cells of each table, in the system's order. */
  readonly committedCells: readonly number[];
}

export function proveMeasured(system: StarkSystem<FriPcsProof>, traces: Matrix[], seed: string): MeasuredProof {
  const cpu = (since?: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const proof = prove(system, traces, [], { seed });
  const proveMs = performance.now() - t0;
  const proveCpuMs = cpu(c0);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const verdict = verify(system, [], proof);
  const verifyMs = performance.now() - t1;
  const verifyCpuMs = cpu(c1);
  return {
    ok: verdict.ok,
    error: verdict.ok ? undefined : verdict.error,
    proofBytes: encodeStarkProof(proof, encodeFriPcsProof).length,
    proveMs: Math.round(proveMs),
    verifyMs: Math.round(verifyMs),
    proveCpuMs: Math.round(proveCpuMs),
    verifyCpuMs: Math.round(verifyCpuMs),
    conjecturedBits: starkSecurity(system, proof.logHeights).conjecturedBits,
    committedCells: system.tables.map((_, i) => committedCells(system, i, proof.logHeights[i]!, quotientLogCap(system, proof.logHeights))),
  };
}

/** A zkVM execution proven with the default PCS and verified: wall times and proof bytes. */
export interface TimedVmProof {
  readonly ok: boolean;
  readonly error?: string;
  readonly proveMs: number;
  readonly verifyMs: number;
  readonly bytes: number;
}

export function proveVmTimed(m: Machine<FriPcsProof>, exec: Execution, traces: Matrix[]): TimedVmProof {
  let t = performance.now();
  const proof = proveExecution(m, exec, { traces });
  const proveMs = Math.round(performance.now() - t);
  t = performance.now();
  const verdict = verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark);
  const verifyMs = Math.round(performance.now() - t);
  const bytes = encodeStarkProof(proof.stark, encodeFriPcsProof).length;
  return { ok: verdict.ok, ...(verdict.ok ? {} : { error: verdict.error }), proveMs, verifyMs, bytes };
}
