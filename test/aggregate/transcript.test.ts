// The Poseidon2 transcript as a VM program fragment (runtime/aggregate/transcript.ts), against the TypeScript
// verifier on a real proof: the STARK verifier's transcript is recorded (every absorb and draw, in order), a
// program replays it with the proof's data on its private tape, and draws the same LogUp, constraint, ζ, batching
// and FRI folding challenges and the same query indices; a flipped root, opened value or nonce changes them or
// fails the program.
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { POSEIDON2_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { bytesToWords } from '../../runtime/proof/hash/blake3.ts';
import { execute, VmError } from '../../runtime/vm/executor.ts';
import { executionCosts, machine } from '../../runtime/vm/machine.ts';
import type { Word } from '../../runtime/vm/word.ts';
import * as X from '../fixtures/sample-airs.ts';
import { recordingConfig, replayTranscript as replay, type Entry } from '../fixtures/aggregate.ts';

const airs = () => [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
const traces = () => [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))];

/** A real Poseidon2-configured proof (zero knowledge, default parameters) and its verifier's recorded transcript. */
function recordedVerification(): { log: Entry[]; protocol: string } {
  const prover = buildSystem('u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);
  const proof = prove(prover, traces(), [], { seed: 'vm transcript' });
  const { config, recorded } = recordingConfig();
  const verifier = buildSystem('u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, config), true);
  expect(verify(verifier, [], proof)).toEqual({ ok: true });
  const t = recorded.find((r) => r.protocol === 'zpol-stark')!;
  return { log: t.log, protocol: t.protocol };
}

describe('the Poseidon2 transcript in the VM', () => {
  const { log, protocol } = recordedVerification();
  const { program, tape, expected } = replay(log, protocol);

  it('draws the TypeScript verifier’s challenges and query indices from a real proof', () => {
    const kinds = log.map((e) => e.op);
    expect(kinds).toContain('challengeIndices');
    expect(kinds).toContain('grind');
    expect(log.filter((e) => e.op === 'challengeExts').map((e) => e.label)).toEqual(expect.arrayContaining(['logup', 'constraints', 'zeta']));
    const exec = execute(program, { privateInputs: tape });
    expect(exec.publicOutputs).toEqual(expected);
    const costs = executionCosts(machine(program), exec);
    const p2 = costs.find((c) => c.table === 'poseidon2')!;
    expect(p2.used).toBeGreaterThan(0);
  });

  it('draws other challenges from a flipped root or opened value, and then fails at the grinding check', () => {
    // Flips the first tape word holding `match` at some lane (a root: its whole word; an opened value: one lane).
    const flip = (tp: readonly Word[], match: readonly number[]): Word[] => {
      const out = tp.map((w) => [...w]);
      const at = out.findIndex((w) => w.some((_, o) => o + match.length <= 8 && match.every((x, i) => w[o + i] === x)));
      expect(at).toBeGreaterThanOrEqual(0);
      const o = out[at]!.findIndex((_, o) => o + match.length <= 8 && match.every((x, i) => out[at]![o + i] === x));
      out[at]![o] = (out[at]![o]! + 1) % 0x78000001;
      return out;
    };
    const root = Array.from(bytesToWords((log.find((e) => e.op === 'digest' && e.label === 'main-root') as Extract<Entry, { op: 'digest' }>).digest));
    const opened = log.filter((e) => e.op === 'exts').at(-1) as Extract<Entry, { op: 'exts' }>;
    // Up to the next grinding check (the nonce ground before ζ: POSEIDON2_PCS_PARAMS.challengePowBits > 0), a flipped
    // auxiliary root leaves the LogUp challenges drawn before it and changes the constraint challenge drawn after it.
    expect(POSEIDON2_PCS_PARAMS.challengePowBits).toBeGreaterThan(0);
    const auxAt = log.findIndex((e) => e.op === 'digest' && e.label === 'aux-root');
    const end = log.findIndex((e, i) => i > auxAt && e.op === 'grind');
    expect(auxAt).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(auxAt);
    const drawnBefore = log.slice(0, auxAt).reduce((n, e) => n + (e.op === 'challengeExts' || e.op === 'challengeIndices' ? e.out.length : 0), 0);
    const before = replay(log.slice(0, end), protocol);
    const honest = execute(before.program, { privateInputs: before.tape }).publicOutputs;
    expect(honest).toEqual(before.expected);
    expect(drawnBefore).toBeGreaterThan(0);
    expect(honest.length).toBeGreaterThan(drawnBefore);
    const auxRoot = Array.from(bytesToWords((log[auxAt] as Extract<Entry, { op: 'digest' }>).digest));
    const other = execute(before.program, { privateInputs: flip(before.tape, auxRoot) }).publicOutputs;
    other.forEach((w, i) => {
      if (i < drawnBefore) expect(w, `challenge ${i}`).toEqual(honest[i]);
      else expect(w, `challenge ${i}`).not.toEqual(honest[i]);
    });
    // The whole transcript: the nonce no longer solves the puzzle drawn from the other transcript.
    for (const w of [root, [opened.values[0]![0]]]) {
      expect(() => execute(program, { privateInputs: flip(tape, w) })).toThrow(/the grinding nonce does not solve the proof-of-work puzzle/);
    }
  });

  it('fails on a nonce that does not solve the puzzle, and on bits that are not bits', () => {
    // The query grinding's nonce: the last grinding check (those before the challenges come earlier).
    const grind = log.filter((e) => e.op === 'grind').at(-1) as Extract<Entry, { op: 'grind' }>;
    expect(grind.bits).toBe(POSEIDON2_PCS_PARAMS.powBits);
    expect(log.filter((e) => e.op === 'grind').length).toBeGreaterThan(1);
    const nonceAt = tape.length - 4;
    // The nonce's four bit words are the last tape words before the query draws (nothing is read after them).
    const bits = tape.slice(nonceAt).flat();
    expect(bits.reduce((a, b, i) => a + b * 2 ** i, 0)).toBe(grind.nonce);
    const wrong = tape.map((w) => [...w]);
    wrong[nonceAt]![0] = 1 - wrong[nonceAt]![0]!;
    expect(() => execute(program, { privateInputs: wrong })).toThrow(/grinding nonce does not solve|pow/);
    const notBits = tape.map((w) => [...w]);
    notBits[nonceAt]![1] = 2;
    expect(() => execute(program, { privateInputs: notBits })).toThrow(VmError);
    expect(() => execute(program, { privateInputs: notBits })).toThrow(/pow nonce: a bit is not 0 or 1/);
  });
});
