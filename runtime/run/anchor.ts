/**
 * Network observations: an anchor (a party outside the lab that sees each step's commitments as the run
 * produces them, e.g. a network observer or a timestamping service) signs a digest of every step record with an
 * Ed25519 key. A recorded run then carries, per step, evidence that its commitments existed when the anchor saw
 * them, so a run cannot be fabricated afterwards without the anchor's key.
 *
 * Ed25519 (RFC 8032) comes from Node's own crypto (OpenSSL): no dependency. Signatures are deterministic, so a
 * recorded run stays byte-identical for a fixed anchor key.
 *
 * observation digest = BLAKE3(OBSERVATION_DOMAIN ‖ canonical JSON of { policy, step, record, tensors }) over the
 * step envelope's fields (docs/run.md); the anchor signs the 32 digest bytes.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { canonicalJson } from './files.ts';

export const OBSERVATION_DOMAIN = 'zpol-run-observation-v1\n';

/** A signer of observation digests. */
export interface Anchor {
  /** Ed25519 public key, 64 hex digits (32 bytes, RFC 8032 encoding). */
  readonly publicKey: string;
  /** Ed25519 signature of `message`, 64 bytes. */
  sign(message: Uint8Array): Uint8Array;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** An anchor holding the Ed25519 private key whose 32-byte seed is `seed`. */
export function anchorFromSeed(seed: Uint8Array): Anchor {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    publicKey: hex(spki.subarray(SPKI_ED25519_PREFIX.length)),
    sign: (message) => new Uint8Array(sign(null, message, key)),
  };
}

/** What an observation covers: the step envelope's identity and contents. */
export interface ObservedStep {
  readonly policy: string;
  readonly step: number;
  readonly record: unknown;
  readonly tensors: unknown;
}

/** The 32-byte observation digest of a step. */
export function observationDigest(o: ObservedStep): Uint8Array {
  const body = canonicalJson({ policy: o.policy, step: o.step, record: o.record, tensors: o.tensors });
  return blake3(new TextEncoder().encode(OBSERVATION_DOMAIN + body));
}

/** Whether `signatureHex` is the anchor's Ed25519 signature of the digest. False for malformed inputs. */
export function verifyObservation(publicKeyHex: string, digestHex: string, signatureHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex) || !/^[0-9a-f]{64}$/.test(digestHex) || !/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
    return verify(null, Buffer.from(digestHex, 'hex'), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}

export { hex as bytesToHex };
