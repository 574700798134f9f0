// Buffers of the native backends' large outputs (the LDEs), handed back by the prover once a proof no longer reads
// them (ProofBackend.recycle) and written over by a later kernel call of the same size.
//
// Why: every ArrayBuffer V8 allocates counts as external memory, and V8 starts a full mark-compact each time that
// grows by 64 MiB since the last one. A demo step allocates ~210 MiB of LDEs, so a proof ran 5-7 full collections
// over a ~30 MiB heap of code and module objects; with the concurrent markers' threads, that was a sixth of the proof's
// CPU time on a 2-core machine (perf, session 38). Reusing the buffers keeps external memory flat from the second
// proof of a process on. The zeroing of every fresh buffer (calloc) goes too: the kernels write every word.
//
// Only buffers this pool issued are taken back (a WeakSet of them), so a caller's own arrays (a test's cheating
// LDE, a commitment the caller keeps) can never be written over. What is kept is capped: past `capBytes`, a buffer
// handed back is left to the collector.

/** The default cap on what a pool keeps: a few proofs' LDEs of the demo's size, a fraction of a 2^20-row one. */
export const OUTPUT_POOL_CAP_BYTES = 1 << 30;

export class OutputPool {
  private readonly free = new Map<number, Uint32Array[]>();
  private readonly issued = new WeakSet<Uint32Array>();
  private keptBytes = 0;

  constructor(private readonly capBytes = OUTPUT_POOL_CAP_BYTES) {}

  /** A kept buffer of exactly `words` words (its contents arbitrary), or undefined. */
  take(words: number): Uint32Array | undefined {
    const list = this.free.get(words);
    const b = list?.pop();
    if (b === undefined) return undefined;
    if (list!.length === 0) this.free.delete(words);
    this.keptBytes -= b.byteLength;
    return b;
  }

  /** Marks `b` (a kernel's output) as this pool's, so that `give` takes it back later. Returns it. */
  issue(b: Uint32Array): Uint32Array {
    // Only whole buffers: a view could share its memory with an array the pool never issued.
    if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) this.issued.add(b);
    return b;
  }

  /** Takes back the buffers it issued (others are ignored), within the cap; the caller must not read them again. */
  give(buffers: readonly Uint32Array[]): void {
    for (const b of buffers) {
      if (!this.issued.has(b) || this.keptBytes + b.byteLength > this.capBytes) continue;
      this.issued.delete(b);  // handed back once: a second give of the same array is ignored
      const list = this.free.get(b.length);
      if (list === undefined) this.free.set(b.length, [b]);
      else list.push(b);
      this.keptBytes += b.byteLength;
    }
  }

  /** Bytes kept for reuse now. */
  get bytes(): number {
    return this.keptBytes;
  }
}
