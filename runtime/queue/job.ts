/**
 * What the coordinator (`zpol prove --queue`) and the workers (`zpol worker`) agree on: the queue, the jobs' data
 * and ids, and the Redis connection (docs/distributed.md).
 *
 * A job names one proof of one run: its kind and step, where the run, the compiled artifact and the proof
 * directory are (absolute paths that every worker must see at the same place: a shared file system), the
 * artifact's digest (a worker refuses a file with another), the state the proof starts from (computed by the
 * coordinator by running the programs, so a worker proving step k never runs steps 1..k−1), and the public words
 * the coordinator's execution gave (a worker whose execution differs, because it reads another run, fails the job
 * instead of writing a proof of something else).
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { ProofKind } from '../policy/artifact.ts';
import type { Word } from '../vm/word.ts';

/** The BullMQ queue every zpol job goes through (one per Redis database: jobs of many runs share it). */
export const QUEUE_NAME = 'zpol-proofs';
/** The version of ProofJobData: a worker refuses jobs of another. 2: flows added in batches behind a release gate. */
export const JOB_VERSION = 3;

/**
 * The name of a run's release gate: a child of the attestation that proves nothing. It is added delayed with the
 * flow and promoted once the coordinator has added every batch of the run's proofs, so the attestation cannot be
 * released while batches are still being added; a worker completes it at once.
 */
export const GATE = 'release gate';
/** The gate's id: the run's key and "gate". */
export const gateId = (key: string): string => `${key}-gate`;

export interface ProofJobData {
  readonly version: typeof JOB_VERSION;
  readonly kind: ProofKind;
  /** 0 for genesis, k for step k, the last step for the attestation. */
  readonly step: number;
  /** The run's last step (progress: "step k/N"). */
  readonly steps: number;
  /** Absolute paths, the same on every worker. */
  readonly run: string;
  readonly artifact: string;
  readonly out: string;
  /** The compiled policy's digest (the .zcp's `digest`). */
  readonly policyDigest: string;
  /** The state the proof starts from: after step − 1 for a step, after the last step for the attestation; none for genesis. */
  readonly state: readonly Word[];
  /** The public words of the coordinator's execution of this proof (hex): the proof must have these. */
  readonly publicInputs: readonly string[];
  readonly publicOutputs: readonly string[];
  /** The proof's hash configuration when not BLAKE3 (`zpol prove --hash poseidon2`). */
  readonly hash?: 'poseidon2';
  /** The segment size in cycles when not the prover's default (`zpol prove --segment-cycles`). */
  readonly segmentCycles?: number;
}

/** What a job returns: what the worker did, as `zpol prove` reports it. */
export interface ProofJobResult {
  readonly kind: ProofKind;
  readonly step: number;
  readonly steps: number;
  readonly file: string;
  readonly action: 'proved' | 'kept';
  readonly seconds?: number;
  /** Why a file that was there was not kept. */
  readonly rejected?: string;
  /** host:pid of the worker. */
  readonly worker: string;
}

/**
 * The run's key in job ids: the policy, the run directory, the proof directory and the prover key (by its hash) fix
 * every proof, so the same run enqueued again gets the same ids (BullMQ adds nothing for an id it holds) and two
 * runs never share one.
 */
export function runKey(policyDigest: string, runDir: string, outDir: string, proverKey: Uint8Array, hash = 'blake3', segmentCycles?: number): string {
  // The hash configuration and the segment size are part of the key only when they are not the defaults, so runs
  // proven at the defaults keep their ids (another segment size makes other proof files: other jobs).
  const text = `zpol queue run key v1\n${policyDigest}\n${resolve(runDir)}\n${resolve(outDir)}\n${hash === 'blake3' ? '' : `${hash}\n`}${segmentCycles === undefined ? '' : `segments ${segmentCycles}\n`}`;
  return bytesToHex(blake3(new TextEncoder().encode(text), { key: proverKey })).slice(0, 24);
}

/** A job's id: the run's key, the kind and the step (BullMQ ids may not hold ':'). */
export const jobId = (key: string, kind: ProofKind, step: number): string => `${key}-${kind}-${step}`;

/** What a job proves, in words: "genesis", "step 3", "the attestation after step 8". */
export const jobWhat = (kind: ProofKind, step: number): string => (kind === 'genesis' ? 'genesis' : kind === 'step' ? `step ${step}` : `the attestation after step ${step}`);

/** A queue address that is not redis://HOST:PORT[/DB], or a Redis server that does not answer. */
export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

/** Checks a --queue address: redis:// or rediss://, a host, an optional port and database. */
export function checkQueueUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--queue takes a Redis address, redis://HOST:PORT, got ${JSON.stringify(text)}`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `--queue takes a Redis address, redis://HOST:PORT (or rediss:// for TLS), got ${JSON.stringify(text)}`;
  if (url.hostname === '') return `--queue ${text}: no host`;
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) return `--queue ${text}: the path must be a database number (/0), got ${JSON.stringify(url.pathname)}`;
  return null;
}

/**
 * A connection for BullMQ: it reconnects for ever (a Redis restart is waited out) and its commands wait for the
 * connection instead of failing (BullMQ's workers require it).
 */
export function connect(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000), ...options });
  // Connection errors are retried; without a listener ioredis would print each one.
  client.on('error', () => {});
  return client;
}

/** Fails with a QueueError naming the address when no Redis server answers there within `timeoutMs`. */
export async function probe(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let last: Error | undefined;
  client.on('error', (e: Error) => (last = e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (last ?? (e as Error)).message || (e as Error).message;
    throw new QueueError(`cannot reach Redis at ${url}: ${why}`);
  } finally {
    client.disconnect();
  }
}
