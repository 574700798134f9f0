/**
 * A transcript that records what a verifier absorbs and draws, in order, around the real Poseidon2 transcript:
 * the schedule a VM verifier fragment replays in the tests (the challenges it must reproduce, the data it reads).
 */
import type * as E from '../../runtime/proof/field/extension.ts';
import { HASH_CONFIGS, type HashConfig } from '../../runtime/proof/hash-config.ts';
import { Poseidon2Transcript } from '../../runtime/proof/transcript-poseidon2.ts';
import type { Challenger } from '../../runtime/proof/transcript.ts';

export type Entry =
  | { readonly op: 'bytes'; readonly label: string; readonly bytes: Uint8Array }
  | { readonly op: 'fields'; readonly label: string; readonly values: readonly number[] }
  | { readonly op: 'exts'; readonly label: string; readonly values: readonly E.Ext[] }
  | { readonly op: 'digest'; readonly label: string; readonly digest: Uint8Array }
  | { readonly op: 'u64'; readonly label: string; readonly n: number }
  | { readonly op: 'challengeFields'; readonly label: string; readonly out: readonly number[] }
  | { readonly op: 'challengeExts'; readonly label: string; readonly out: readonly E.Ext[] }
  | { readonly op: 'challengeIndices'; readonly label: string; readonly n: number; readonly out: readonly number[] }
  | { readonly op: 'grind'; readonly bits: number; readonly nonce: number; readonly ok: boolean };

export class RecordingTranscript implements Challenger {
  readonly log: Entry[] = [];
  private readonly inner: Poseidon2Transcript;

  constructor(readonly protocol: string) {
    this.inner = new Poseidon2Transcript(protocol);
  }
  clone(): Challenger {
    throw new Error('the recording transcript is not cloned by the verifier');
  }
  digest(): Uint8Array {
    return this.inner.digest();
  }
  absorbBytes(label: string, bytes: Uint8Array): void {
    this.log.push({ op: 'bytes', label, bytes: bytes.slice() });
    this.inner.absorbBytes(label, bytes);
  }
  absorbFields(label: string, values: ArrayLike<number>): void {
    this.log.push({ op: 'fields', label, values: Array.from(values) });
    this.inner.absorbFields(label, values);
  }
  absorbField(label: string, value: number): void {
    this.absorbFields(label, [value]);
  }
  absorbExts(label: string, values: readonly E.Ext[]): void {
    this.log.push({ op: 'exts', label, values: values.map((v) => [...v] as unknown as E.Ext) });
    this.inner.absorbExts(label, values);
  }
  absorbExt(label: string, value: E.Ext): void {
    this.absorbExts(label, [value]);
  }
  absorbDigest(label: string, digest: Uint8Array): void {
    this.log.push({ op: 'digest', label, digest: digest.slice() });
    this.inner.absorbDigest(label, digest);
  }
  absorbU64(label: string, n: number): void {
    this.log.push({ op: 'u64', label, n });
    this.inner.absorbU64(label, n);
  }
  challengeField(label: string): number {
    return this.challengeFields(label, 1)[0]!;
  }
  challengeFields(label: string, n: number): Uint32Array {
    const out = this.inner.challengeFields(label, n);
    this.log.push({ op: 'challengeFields', label, out: Array.from(out) });
    return out;
  }
  challengeExt(label: string): E.Ext {
    return this.challengeExts(label, 1)[0]!;
  }
  challengeExts(label: string, n: number): E.Ext[] {
    const out = this.inner.challengeExts(label, n);
    this.log.push({ op: 'challengeExts', label, out });
    return out;
  }
  challengeIndices(label: string, count: number, n: number): number[] {
    const out = this.inner.challengeIndices(label, count, n);
    this.log.push({ op: 'challengeIndices', label, n, out });
    return out;
  }
  challengeBytes(): Uint8Array {
    throw new Error('the STARK verifier draws no bytes');
  }
  grind(): number {
    throw new Error('the recording transcript only verifies');
  }
  checkGrind(bits: number, nonce: number): boolean {
    const ok = this.inner.checkGrind(bits, nonce);
    this.log.push({ op: 'grind', bits, nonce, ok });
    return ok;
  }
}

/** The Poseidon2 configuration with every transcript recorded; `recorded` lists them in creation order. */
export function recordingConfig(): { config: HashConfig; recorded: RecordingTranscript[] } {
  const recorded: RecordingTranscript[] = [];
  const config: HashConfig = {
    ...HASH_CONFIGS.poseidon2,
    transcript: (protocol) => {
      const t = new RecordingTranscript(protocol);
      recorded.push(t);
      return t;
    },
  };
  return { config, recorded };
}
