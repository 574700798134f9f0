/**
 * The work folder of proofs under way: what a killed `zpol prove` resumes from (docs/compute-checks.md).
 *
 * A proof in segments of a frontier-shaped step takes hours (76 segments of 2^19 cycles for the 70B FFN check), and
 * its draw's proof of work at 34 bits two CPU-hours more. While a proof is made, each finished segment proof and the
 * range of nonces already searched are written, each atomically, to `<proofs>/.partial/<proof file name without
 * .zproof>/`: `segment-NNNN.json` and `grind-<draw>.json`; the nonce found, in `<proofs>/.nonces/`, which stays (a
 * prove started again runs every step, proven or not, for its state). A prover started again executes the step again (seconds:
 * it gives the state at every segment boundary, so no machine state is stored), searches on from the first nonce
 * not searched, and proves from the first segment without a file. The folder is removed once the proof file is
 * written (or found already there and kept).
 *
 * Nothing in the folder is trusted. Each file is `<mac>\n<json>`, the MAC a keyed BLAKE3 of the JSON under a key
 * derived from the run's prover key, so a file from another run (another key), edited or cut short is ignored with
 * a notice naming it; its JSON binds it to the proof it belongs to (the policy, program, kind, step, configuration,
 * public words and segment count: `binding`), so a file left by other records is ignored too. A segment proof that
 * passes all that is still checked against the statement the prover recomputes for that segment (its pcs, memory
 * commitments and I/O) and its STARK proof verified before it is used (runtime/chain/prover.ts): a resumed proof is
 * the same bytes as an uninterrupted one, or the segment is proven again.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProofKind } from '../policy/artifact.ts';
import type { GrindCheckpoint } from '../run/sampling.ts';
import { writeFileAtomic } from '../run/files.ts';
import { digestToHex as wordToHex } from '../run/tensor-commit.ts';
import type { Word } from '../vm/word.ts';
import { proofFileStem, type SegmentEntry } from './proof-file.ts';

/** The work folder's name in a proofs folder (verifyDir reads only *.zproof files not starting with a dot). */
export const PARTIAL_DIR = '.partial';
/** The nonces found for the draws of proofs already made (a few bytes a step), kept after their work folders go. */
export const NONCES_DIR = '.nonces';
const FORMAT = 'zpol-partial';
const VERSION = 1;

/** A work file that was not used, and why (it is left to be overwritten, and the work it held is done again). */
export interface PartialNotice {
  readonly kind: ProofKind;
  readonly step: number;
  /** The file's path. */
  readonly file: string;
  readonly why: string;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The work folders of one proofs folder, under one prover key. */
export class PartialProofs {
  private readonly key: Uint8Array;

  constructor(
    readonly outDir: string,
    secret: Uint8Array,
    private readonly onIgnored?: (n: PartialNotice) => void,
  ) {
    this.key = blake3(utf8('zpol partial proofs v1'), { key: secret });
  }

  /** The work folder of the `kind` proof of `step`. */
  dir(kind: ProofKind, step: number): string {
    return join(this.outDir, PARTIAL_DIR, proofFileStem(kind, step));
  }

  /** The work of the `kind` proof of `step` whose inputs `binding` digests (PartialProof.binding). */
  proof(kind: ProofKind, step: number, binding: string): PartialProof {
    return new PartialProof(this, kind, step, binding);
  }

  /** Removes the work folder of a proof (written or kept), and .partial itself once empty. */
  remove(kind: ProofKind, step: number): void {
    rmSync(this.dir(kind, step), { recursive: true, force: true });
    // rmdir removes .partial only while it is empty: a listing then a recursive removal would race another prover
    // on this folder (a queue worker) creating its own work folder in between, and delete it.
    try {
      rmdirSync(join(this.outDir, PARTIAL_DIR));
    } catch {
      // Not empty (another proof's work is under way), or already gone.
    }
  }

  /**
   * Removes the nonces kept for proofs already made: once the attestation after the run's last step is written or
   * kept, the folder holds the proofs alone (a run that grows after that searches its kept steps' draws again).
   */
  removeNonces(): void {
    rmSync(join(this.outDir, NONCES_DIR), { recursive: true, force: true });
  }

  /** `<mac>\n<json>`. */
  write(path: string, body: object): void {
    const json = JSON.stringify(body);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileAtomic(path, `${this.mac(json)}\n${json}\n`);
  }

  /** The JSON of a work file this prover wrote, or null (with a notice naming the file, unless it does not exist). */
  read(kind: ProofKind, step: number, path: string, check: (body: Record<string, unknown>) => string | null): Record<string, unknown> | null {
    if (!existsSync(path)) return null;
    const ignore = (why: string) => {
      this.onIgnored?.({ kind, step, file: path, why });
      return null;
    };
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return ignore(`cannot be read (${(e as Error).message})`);
    }
    const nl = text.indexOf('\n');
    const [mac, json] = nl < 0 ? ['', text] : [text.slice(0, nl), text.slice(nl + 1).replace(/\n$/, '')];
    if (mac !== this.mac(json)) return ignore("not this run's work (its MAC does not match the prover key: another run's file, or edited)");
    let body: unknown;
    try {
      body = JSON.parse(json);
    } catch {
      return ignore('not JSON');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return ignore('not a JSON object');
    const o = body as Record<string, unknown>;
    if (o.format !== FORMAT || o.version !== VERSION) return ignore(`not a ${FORMAT} file of version ${VERSION}`);
    const problem = check(o);
    return problem === null ? o : ignore(problem);
  }

  /**
   * Where the search for the nonce of the draw seeded by `seed` with `bits` bits of work, in the `kind` proof of
   * `step`, stands, recorded as it goes (sampling.ts grindCheckpointed): the proof's work file while it is made,
   * else the nonce found for it before (NONCES_DIR), so that a prove started again runs a step it keeps without
   * searching again (it runs every step, for the states). Both are bound to the draw (its seed, keyed: the seed
   * digests the step's private roots, so it is not written in clear) and the work, not to a proof's binding: the
   * search runs before the execution that the binding needs.
   */
  grind(kind: ProofKind, step: number, seed: Word, bits: number): GrindCheckpoint {
    const id = this.mac(`draw seed ${wordToHex(seed)}`).slice(0, 32);
    const file = join(this.dir(kind, step), `grind-${id}.json`);
    const nonceFile = join(this.outDir, NONCES_DIR, `${proofFileStem(kind, step)}-${id}.json`);
    const whole = (field: string) => (o: Record<string, unknown>) =>
      o.draw !== id || o.bits !== bits ? 'the search of another draw (another seed or work)' : Number.isSafeInteger(o[field]) && (o[field] as number) >= 0 ? null : `${field} is not a whole number`;
    const work = this.read(kind, step, file, whole('searched'));
    const known = work === null ? this.read(kind, step, nonceFile, whole('nonce')) : null;
    return {
      searched: work !== null ? (work.searched as number) : known !== null ? (known.nonce as number) : 0,
      save: (searched: number) => this.write(file, { format: FORMAT, version: VERSION, draw: id, bits, searched }),
      found: (nonce: number) => this.write(nonceFile, { format: FORMAT, version: VERSION, draw: id, bits, nonce }),
    };
  }

  notice(n: PartialNotice): void {
    this.onIgnored?.(n);
  }

  private mac(json: string): string {
    return hex(blake3(utf8(json), { key: this.key }));
  }
}

/** The work of one proof: its segment proofs and the checkpoints of its draws' searches. */
export class PartialProof {
  constructor(
    private readonly parent: PartialProofs,
    readonly kind: ProofKind,
    readonly step: number,
    readonly binding: string,
  ) {}

  /** A digest of what a proof's work depends on (each value JSON-encoded, in order). */
  static binding(values: readonly unknown[]): string {
    return hex(blake3(utf8(JSON.stringify(values))));
  }

  segmentFile(k: number): string {
    return join(this.parent.dir(this.kind, this.step), `segment-${String(k).padStart(4, '0')}.json`);
  }

  /** Segment k's proof as written by `saveSegment`, or null (a missing file; a bad one is ignored with a notice). */
  segment(k: number): SegmentEntry | null {
    const body = this.parent.read(this.kind, this.step, this.segmentFile(k), (o) =>
      o.binding !== this.binding ? 'left by another proof of this step (other records, program, configuration or segment size)' : o.segment !== k ? `holds segment ${String(o.segment)}, not ${k}` : entryProblem(o.entry),
    );
    return body === null ? null : (body.entry as SegmentEntry);
  }

  saveSegment(k: number, entry: SegmentEntry): void {
    this.parent.write(this.segmentFile(k), { format: FORMAT, version: VERSION, binding: this.binding, segment: k, entry });
  }

  /** Says that the segment proof in segment k's file was refused (it is proven again and the file replaced). */
  refuseSegment(k: number, why: string): void {
    this.parent.notice({ kind: this.kind, step: this.step, file: this.segmentFile(k), why });
  }
}

/** Why a segment file's entry is not a SegmentEntry's shape (its content is checked by the prover). */
function entryProblem(e: unknown): string | null {
  if (e === null || typeof e !== 'object') return 'entry is not an object';
  const o = e as Record<string, unknown>;
  const ok =
    Number.isSafeInteger(o.pcStart) &&
    Number.isSafeInteger(o.pcEnd) &&
    typeof o.memStart === 'string' &&
    typeof o.memEnd === 'string' &&
    Array.isArray(o.io) &&
    o.io.every((i) => Number.isSafeInteger(i)) &&
    typeof o.stark === 'string';
  return ok ? null : 'entry is not a segment proof (pcStart, pcEnd, memStart, memEnd, io, stark)';
}
