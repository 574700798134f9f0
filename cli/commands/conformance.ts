import { Args, Flags } from '@oclif/core';
import { backendFlag, ExitCode, formatFlag, ZpolCommand } from '../base.ts';

export default class Conformance extends ZpolCommand {
  static override summary = 'Check the BF16/FP32 arithmetic against reference vectors (TestFloat/SoftFloat; MMA-Sim for tensor cores).';
  static override description = `Reads a conformance vector file (plain .tv or gzip-compressed .tv.gz; without FILE, the operation's file in the repository's conformance/ directory, or in $ZPOL_CONFORMANCE_DIR when that is set; conformance/README.md gives the line formats and where the files come from) and checks every vector against zpol's bit-exact reference arithmetic. For operations that have a chip it also checks that the chip's constraints accept the row of the right result and reject rows claiming a wrong one (one ulp off, the other sign, a NaN for a number, a number for a NaN); with --prove it proves every operation of the file in one STARK proof, verifies it and prints the trace cells per operation.

Chips so far: f32_add, f32_mul, f32_mulAdd (one fma chip: add is fma(a, 1, b), mul is fma(a, b, -0)), f32_eq, f32_lt, f32_le, f32_to_bf16, bf16_mac, and bf16_dot (the compact dot-product chip: one row per MAC, the accumulator carried from row to row; --prove proves every dot product of the file in one proof, each final accumulator pinned to the file's ACC, and prints the cells per MAC, every committed cell of the proof counted). With --vm, bf16_dot's first 64 dot products are proven instead in one zkVM program with the BF16 MAC precompile (\`mac\`, sequential order; runtime/conformance/vm-dot-proof.ts defines what is counted).

The tensor-core operations bf16_mma (one Hopper BF16 tensor-core operation, 16 products and an f32 addend) and bf16_mma_dot (a dot product as chained 16-wide operations) are checked against the reference model (runtime/fp/mma.ts, MMA-Sim's) and through the tensor-core chip (runtime/vm/chips/fp/bf16-mma.ts: many operations per row, each pinned to the file's D or ACC); --prove proves the whole file in one proof and prints the cells per MAC (every committed cell of the proof over the products), and the polynomial constraints and lookups per MAC. With --vm, bf16_mma_dot runs in the zkVM instead, one \`mma\` instruction per dot product (runtime/conformance/vm-mma-proof.ts defines what is counted): the cells per MAC of the whole file from its execution's traces, and a proof of its first 32 dot products.

The last line is "N passed, N failed". Exit status: 0 when nothing failed, 1 otherwise, 2 on bad usage.`;
  static override examples = [
    '<%= config.bin %> conformance f32_add conformance/f32_add.tv.gz',
    '<%= config.bin %> conformance f32_to_bf16 --prove',
    '<%= config.bin %> conformance bf16_dot conformance/bf16_dot.tv.gz --prove',
    '<%= config.bin %> conformance bf16_mma_dot --prove',
  ];

  static override args = {
    op: Args.string({
      required: true,
      description: 'the operation',
      options: ['f32_add', 'f32_mul', 'f32_mulAdd', 'f32_eq', 'f32_lt', 'f32_le', 'f32_to_bf16', 'bf16_mac', 'bf16_dot', 'bf16_mma', 'bf16_mma_dot'],
    }),
    file: Args.string({ required: false, description: 'the vector file, .tv or .tv.gz (default: the operation\'s file in conformance/ or $ZPOL_CONFORMANCE_DIR)' }),
  };
  static override flags = {
    format: formatFlag,
    prove: Flags.boolean({ default: false, summary: 'Also prove the file in one STARK proof and verify it (operations with a chip).' }),
    vm: Flags.boolean({
      default: false,
      summary: 'bf16_dot: prove the first 64 dot products in the zkVM with the MAC precompile instead of the dot-product chip; bf16_mma_dot: the first 32 with one `mma` instruction each, and the cells per MAC of the whole file in the zkVM.',
    }),
    backend: backendFlag(),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Conformance);
    const { checkVectors, conformancePath, ConformanceFormatError, readVectorFile } = await import('../../runtime/conformance/vectors.ts');
    const { CHIP_OPS, checkChip, proveChip } = await import('../../runtime/conformance/chip-proof.ts');
    const op = args.op as import('../../runtime/conformance/vectors.ts').ConformanceOp;
    const isDot = op === 'bf16_dot';
    const isMma = op === 'bf16_mma' || op === 'bf16_mma_dot';
    const hasChip = CHIP_OPS.includes(op);
    const file = args.file ?? conformancePath(op);
    let text: string;
    try {
      text = readVectorFile(file);
    } catch (e) {
      process.stderr.write(`zpol: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}\n`);
      process.exitCode = ExitCode.failure;
      return;
    }
    let reference;
    try {
      reference = checkVectors(op, text, { maxFailures: 10 });
    } catch (e) {
      if (e instanceof ConformanceFormatError) {
        process.stderr.write(`${file}:${e.line}: ${e.message.replace(/^[^:]+:\d+: /, '')}\n`);
        process.exitCode = ExitCode.failure;
        return;
      }
      throw e;
    }
    const backend = flags.prove ? (await import('../../gpu/index.ts')).selectBackend(flags.backend) : undefined;
    const dotChip = isDot ? await import('../../runtime/conformance/dot-chip-proof.ts') : null;
    const mmaChip = isMma ? await import('../../runtime/conformance/mma-chip-proof.ts') : null;
    const mmaOp = op as import('../../runtime/conformance/mma-chip-proof.ts').MmaOp;
    const chip = hasChip ? checkChip(op, text) : dotChip ? dotChip.checkDotChip(text) : mmaChip ? mmaChip.checkMmaChip(mmaOp, text) : null;
    const proof = hasChip && flags.prove ? proveChip(op, text, backend) : null;
    const vmMma = op === 'bf16_mma_dot' && flags.prove && flags.vm ? await import('../../runtime/conformance/vm-mma-proof.ts') : null;
    const mmaProof = mmaChip && flags.prove && !vmMma ? mmaChip.proveMmaChip(mmaOp, text, { backend }) : null;
    // In the zkVM: the whole file's cells per MAC from its execution's traces, and a proof of its first 32 dot products.
    // A dot product whose ACC is not the tensor core's fails its assertEq as the program runs: nothing is proven.
    let mmaVmError: string | null = null;
    let mmaVm: { file: import('../../runtime/conformance/vm-mma-proof.ts').VmMmaReport; proof: import('../../runtime/conformance/vm-mma-proof.ts').VmMmaReport } | null = null;
    if (vmMma) {
      try {
        mmaVm = { file: vmMma.proveVmMma(text), proof: vmMma.proveVmMma(text, { max: 32, prove: true }) };
      } catch (e) {
        if (!(e instanceof (await import('../../runtime/vm/executor.ts')).VmError)) throw e;
        mmaVmError = e.message;
      }
    }
    const dotProof = dotChip && flags.prove && !flags.vm ? dotChip.proveDotChip(text, { backend }) : null;
    const dot = isDot && flags.prove && flags.vm ? (await import('../../runtime/conformance/vm-dot-proof.ts')).proveDot(text, { backend }) : null;

    // A vector passes when the reference matches it and, where a chip exists, the chip accepts the right row and
    // rejects every wrong one.
    const failedLines = new Set<number>(reference.failures.map((f) => f.line));
    for (const f of chip?.failures ?? []) failedLines.add(f.line);
    const total = reference.passed + reference.failed;
    const failed = Math.max(reference.failed, failedLines.size);
    const passed = total - failed;
    if (flags.format === 'json') {
      this.print(
        JSON.stringify(
          {
            op,
            file,
            passed,
            failed,
            reference: { passed: reference.passed, failed: reference.failed, failures: reference.failures },
            chip: chip && { accepted: chip.accepted, rejectedWrong: chip.rejectedWrong, failures: chip.failures.slice(0, 10) },
            proof: proof ?? dotProof ?? mmaProof,
            ...(dot ? { vmProof: dot } : {}),
            ...(mmaVm ? { vmProof: mmaVm.proof, vmFile: mmaVm.file } : {}),
            ...(mmaVmError ? { vmProof: { ok: false, error: mmaVmError } } : {}),
          },
          null,
          2,
        ),
      );
    } else {
      for (const f of reference.failures.slice(0, 10)) {
        this.print(`${file}:${f.line}: reference mismatch: inputs ${f.inputs.join(' ')} expected ${f.expected} got ${f.got}`);
      }
      for (const f of (chip?.failures ?? []).slice(0, 10)) this.print(`${file}:${f.line}: chip: ${f.problem}`);
      this.print(`reference: ${reference.passed} of ${total} vectors match bit for bit (NaNs as a class)`);
      if (chip) {
        const what = isDot ? 'dot products (every MAC row)' : op === 'bf16_mma_dot' ? 'dot products (every operation)' : 'right rows';
        this.print(`chip: accepts ${chip.accepted} ${what}, rejects every wrong result on ${chip.rejectedWrong} of ${total}`);
      }
      if (proof) {
        this.print(
          `proof: ${proof.ok ? 'verified' : `REJECTED (${proof.error})`}, ${proof.operations} operations in ${proof.rows} rows, ${proof.proofBytes} bytes, ` +
            `proved in ${proof.proveMs} ms, verified in ${proof.verifyMs} ms, ${proof.conjecturedBits} conjectured bits`,
        );
        this.print(`cells per operation: ${proof.cellsPerOperation} (the chip's own row: ${proof.chipCellsPerRow} cells)`);
      }
      if (dotProof) {
        this.print(
          `proof: ${dotProof.ok ? 'verified' : `REJECTED (${dotProof.error})`}, ${dotProof.vectors} dot products, ${dotProof.macs} MACs in ${dotProof.rows} rows, ${dotProof.proofBytes} bytes, ` +
            `proved in ${dotProof.proveMs} ms, verified in ${dotProof.verifyMs} ms, ${dotProof.conjecturedBits} conjectured bits`,
        );
        this.print(
          `cells per MAC: ${dotProof.cellsPerMac} (every committed cell of the proof; the chip's own row: ${dotProof.chipCellsPerRow} cells, ` +
            `${dotProof.chipColumns} columns, ${dotProof.chipConstraints} constraints and ${dotProof.chipLookups} lookups)`,
        );
      }
      if (mmaProof) {
        this.print(
          `proof: ${mmaProof.ok ? 'verified' : `REJECTED (${mmaProof.error})`}, ${mmaProof.vectors} vectors, ${mmaProof.macs} MACs in ${mmaProof.rows} rows of ${mmaProof.groups} operations, ` +
            `${mmaProof.proofBytes} bytes, proved in ${mmaProof.proveMs} ms, verified in ${mmaProof.verifyMs} ms, ${mmaProof.conjecturedBits} conjectured bits`,
        );
        this.print(
          `cells per MAC: ${mmaProof.cellsPerMac} (every committed cell of the proof, lookup tables included; ${mmaProof.constraintsPerMac} polynomial constraints ` +
            `and ${mmaProof.lookupsPerMac} lookups per MAC)`,
        );
      }
      if (dot) {
        const parts = dot.cellsPerMacParts;
        this.print(
          `zkVM proof: ${dot.ok ? 'verified' : `FAILED (${dot.error})`}, the first ${dot.vectors} of ${dot.fileVectors} dot products, ${dot.operations} MACs in ${dot.cpuRows} CPU rows, ` +
            `${dot.proofBytes} bytes, proved in ${dot.proveMs} ms, verified in ${dot.verifyMs} ms, ${dot.conjecturedBits} conjectured bits`,
        );
        this.print(
          `cells per MAC: ${dot.cellsPerMac} (CPU rows ${parts.cpu} + ROM rows ${parts.rom} + MAC chip ${parts.macChip} + pow2 table ${parts.pow2} + ` +
            `byte table share ${parts.byte}; not counted: read/input/assertEq/tobf16 rows, ${dot.ioCellsPerMac} per MAC)`,
        );
      }
      if (mmaVmError) this.print(`zkVM proof: FAILED (${mmaVmError})`);
      if (mmaVm) {
        const [f, p] = [mmaVm.file, mmaVm.proof];
        this.print(
          `zkVM proof: ${p.proof!.ok ? 'verified' : `FAILED (${p.proof!.error})`}, the first ${p.dots} of ${p.total} dot products (one \`mma\` each), ${p.macs} MACs in ${p.chipRows} chip rows × ${p.groups} slots, ` +
            `${p.proof!.bytes} bytes, proved in ${p.proof!.proveMs} ms, verified in ${p.proof!.verifyMs} ms; cells per MAC of this proof: ${p.cellsPerMac}`,
        );
        const parts = Object.entries(f.parts).map(([k, v]) => `${k} ${v}`).join(' + ');
        this.print(
          `cells per MAC: ${f.cellsPerMac} (the whole file in the zkVM: ${f.dots} dot products, ${f.macs} MACs, ${f.chipRows} chip rows × ${f.groups} slots; ${parts}; ` +
            `${f.constraintsPerMac} polynomial constraints and ${f.lookupsPerMac} bus messages per MAC)`,
        );
      }
      this.print(`${passed} passed, ${failed} failed`);
    }
    const proved = mmaVmError === null && [proof, dotProof, dot, mmaProof, mmaVm?.proof.proof ?? null].every((p) => p === null || p.ok);
    process.exitCode = failed === 0 && proved ? ExitCode.ok : ExitCode.failure;
  }
}
