import { Args } from '@oclif/core';
import { ExitCode, formatFlag, ZpolCommand } from '../base.ts';

export default class Info extends ZpolCommand {
  static override summary = 'Show what proving a policy costs: rows and cells per chip and per clause.';
  static override description = `Takes a policy (.zpol, compiled on the fly) or a compiled artifact (.zcp). For each proof kind it prints the rows and cells of every chip, the cycles and cells each clause adds, and an estimate of the proving time (from the TypeScript prover's measured throughput, bench/results/vm.json); for each verify compute check, its multiply-accumulates, the rows it adds to each chip, its cells and its share of the step proof's time. Compiled programs are straight-line but for bounded loops of constant counts, so these figures hold for every run. Segments are counted at the size zpol prove takes without --segment-cycles: the largest power of two up to 2^19 cycles whose step segment fits the prover's memory (ZPOL_PROVER_MEMORY, else this machine's), printed first.

Exit status: 0, or 1 when the input cannot be compiled or read.`;
  static override examples = ['<%= config.bin %> info policies/demo.zpol', '<%= config.bin %> info demo.zcp --format json'];

  static override args = { input: Args.string({ required: true, description: 'a .zpol policy or a .zcp artifact' }) };
  static override flags = { format: formatFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Info);
    const { programCost } = await import('../../runtime/vm/costs.ts');
    const { PROOF_KINDS } = await import('../../compiler/artifact.ts');
    let name: string;
    let programs: Record<string, import('../../runtime/vm/program.ts').Program>;
    let regions: Record<string, readonly import('../../compiler/compile.ts').Region[]> = {};
    let optimization: Record<string, import('../../compiler/passes.ts').OptimizeReport> | null = null;
    let checks: readonly import('../../runtime/policy/artifact.ts').ComputeCheck[] = [];
    let members: readonly import('../../runtime/policy/artifact.ts').MemberCheck[] = [];
    let embeds: readonly import('../../runtime/policy/artifact.ts').EmbedCheck[] = [];
    if (args.input.endsWith('.zcp')) {
      const { readFileSync } = await import('node:fs');
      const { decodeArtifact } = await import('../../compiler/artifact.ts');
      try {
        const decoded = decodeArtifact(readFileSync(args.input));
        name = decoded.artifact.policy.name;
        programs = decoded.programs;
        checks = decoded.artifact.verifies;
        members = decoded.artifact.members ?? [];
        embeds = decoded.artifact.embeds ?? [];
      } catch (e) {
        process.stderr.write(`zpol: ${args.input}: ${(e as Error).message}\n`);
        process.exitCode = ExitCode.failure;
        return;
      }
    } else {
      const { compileFile } = await import('../../compiler/index.ts');
      const result = compileFile(args.input);
      if (!result.ok) {
        const first = result.diagnostics.find((d) => d.severity === 'error');
        process.stderr.write(`zpol: cannot compile ${args.input}: ${result.error ?? (first ? `${first.file}:${first.span.start.line}:${first.span.start.column}: ${first.message}` : 'errors')}\n`);
        process.exitCode = ExitCode.failure;
        return;
      }
      name = result.compiled.name;
      programs = result.compiled.programs;
      regions = result.compiled.regions;
      optimization = result.compiled.optimization;
      checks = result.compiled.verifies;
      members = result.compiled.members;
      embeds = result.compiled.embeds;
    }
    // Each compute check from its shape (compiler/check-cost.ts, exact for the compiled clause): also what an
    // artifact alone says, which has no regions.
    const { computeCheckCost } = await import('../../compiler/check-cost.ts');
    const { orderCosts } = await import('../order-costs.ts');
    const { familySentence } = await import('../../runtime/policy/family-assurance.ts');
    const computeChecks = checks.map((c) => {
      // A family runs its member check once per draw; checking every member would run it once per member.
      const cost = computeCheckCost(c);
      const order = c.order === 'blocked' ? `blocked(${c.block})` : c.order;
      const f = c.family;
      const family = f ? { members: f.to - f.from, draws: f.draws, cyclesAllMembers: computeCheckCost({ ...c, family: { ...f, draws: f.to - f.from } }).cycles, assurance: familySentence(c, null) } : undefined;
      return { name: c.name, at: c.at, dims: c.dims, samples: c.samples, powBits: c.powBits, order, macs: cost.macs, instructions: cost.instructions, cycles: cost.cycles, merkleLevels: cost.merkleLevels, orders: orderCosts(c), ...(family ? { family } : {}) };
    });
    // The segment size `zpol prove` takes without --segment-cycles: the largest up to 2^19 cycles whose segment of
    // the step program fits the prover's memory (ZPOL_PROVER_MEMORY, else this machine's; runtime/chain/run-prover.ts).
    const { segmentCyclesWithin } = await import('../../runtime/vm/costs.ts');
    const { DEFAULT_SEGMENT_LOG } = await import('../../runtime/vm/segments.ts');
    const { proverMemoryLimit } = await import('../chain.ts');
    const memoryBytes = proverMemoryLimit();
    const chosen = segmentCyclesWithin(programs.step!, memoryBytes);
    const segmentCycles = chosen ?? 2 ** DEFAULT_SEGMENT_LOG;
    const prover = { memoryBytes, segmentCycles, fits: chosen !== undefined };
    const report = Object.fromEntries(PROOF_KINDS.map((k) => [k, { ...programCost(programs[k]!, regions[k] ?? [], segmentCycles), ...(optimization ? { optimization: optimization[k] } : {}) }]));
    const { drawWorkText, escapeProbability, memberAssurance } = await import('../../runtime/run/members.ts');
    const memberChecks = members.map((m) => ({ clause: m.clause, at: m.at, sources: m.names, samples: m.samples, rows: m.rows, powBits: m.powBits ?? 0, escapeOneRow: escapeProbability(m.samples, 1 / m.rows), escapeQuarter: escapeProbability(m.samples, 0.25) }));
    const { embedAssurance } = await import('../../runtime/run/embeds.ts');
    const embedChecks = embeds.map((m) => ({ clause: m.clause, at: m.at, samples: m.samples, tokens: m.rows * m.seq, powBits: m.powBits ?? 0, escapeOneRow: escapeProbability(m.samples, 1 / (m.rows * m.seq)), escapeQuarter: escapeProbability(m.samples, 0.25) }));
    if (flags.format === 'json') {
      this.print(JSON.stringify({ policy: name, prover, ...report, computeChecks, ...(memberChecks.length > 0 ? { memberChecks } : {}), ...(embedChecks.length > 0 ? { embedChecks } : {}) }, null, 2));
      return;
    }
    const lines: string[] = [`policy ${name}`];
    const gib = `${(memoryBytes / 2 ** 30).toFixed(1)} GiB`;
    lines.push(
      prover.fits
        ? `zpol prove, with ${gib} of prover memory, takes segments of ${segmentCycles.toLocaleString('en-US')} cycles (--segment-cycles sets another)`
        : `zpol prove, with ${gib} of prover memory, finds no segment size whose step segment fits (without --segment-cycles it refuses at ${segmentCycles.toLocaleString('en-US')} cycles, ZV307)`,
    );
    for (const k of PROOF_KINDS) {
      const c = report[k]!;
      const time = c.estimatedProveSeconds >= 36_000 ? `${Math.round(c.estimatedProveSeconds / 3600).toLocaleString('en-US')} CPU-hours` : `${c.estimatedProveSeconds} s`;
      const memory = `${((c.segments > 1 ? c.segmentProverBytes : c.estimatedProverBytes) / 2 ** 30).toFixed(1)} GiB of memory${c.segments > 1 ? ' a segment' : ''}`;
      lines.push('', `${k}: ${c.cycles.toLocaleString('en-US')} cycles, ${c.cells.toLocaleString('en-US')} cells, ${c.committedCells.toLocaleString('en-US')} committed; about ${time} to prove${c.segments > 1 ? ' in segments' : ''}, about ${memory}`);
      lines.push(
        c.segments > 1
          ? `  proven in ${c.segments.toLocaleString('en-US')} segments of ${c.segmentCycles.toLocaleString('en-US')} cycles, about ${c.segmentCommittedCells.toLocaleString('en-US')} committed cells and ${(c.segmentProverBytes / 2 ** 30).toFixed(1)} GiB of memory a segment`
          : `  one segment (at most ${c.segmentCycles.toLocaleString('en-US')} cycles a segment)`,
      );
      const o = optimization?.[k];
      if (o) lines.push(`  IR operations (before lowering; program-rom counts the machine instructions): ${o.before} → ${o.after} (${o.folded} folded); ${o.wideOps} wide operations, ${o.provenSafe} proven not to overflow, ${o.narrowed} narrowed to 32 bits`);
      lines.push(`  ${'chip'.padEnd(12)} ${'used'.padStart(7)} ${'rows'.padStart(7)} ${'width'.padStart(6)} ${'cells'.padStart(11)}`);
      for (const t of c.tables) lines.push(`  ${t.table.padEnd(12)} ${String(t.used).padStart(7)} ${String(t.rows).padStart(7)} ${String(t.width).padStart(6)} ${t.cells.toLocaleString('en-US').padStart(11)}`);
      if (c.clauses.length > 0) {
        lines.push(`  ${'clause'.padEnd(36)} ${'cycles'.padStart(7)} ${'cells'.padStart(9)}`);
        for (const r of c.clauses) lines.push(`  ${`${r.kind} ${r.name}`.padEnd(36)} ${String(r.cycles).padStart(7)} ${r.cells.toLocaleString('en-US').padStart(9)}  ${r.at}`);
      }
      // What each compute check costs a step proof: its multiply-accumulates, the rows it adds to each chip.
      // On tensor cores a clause's products are the check's samples × K, the rest of the chip's 16 lanes an
      // operation zero padding (K rounded up to a multiple of 16, as a GEMM kernel fills its last K tile).
      for (const r of c.clauses.filter((x) => x.kind === 'verify')) {
        const n = (x: number) => x.toLocaleString('en-US');
        const rows = Object.entries(r.rows).map(([t, v]) => `${t} ${n(v)}`).join(', ');
        const check = computeChecks.find((x) => x.name === r.name);
        const real = r.tensorCoreLanes > 0 && check ? check.macs : r.tensorCoreLanes;
        const pastK = check && r.tensorCoreLanes === 0 && r.macs > check.macs ? ` (${n(r.macs)} MAC rows, ${n(r.macs - check.macs)} of them on zero padding: lanes past K, a row loop's first products)` : '';
        const products = r.tensorCoreLanes > 0 ? `${n(real)} MACs on tensor cores (${n(r.tensorCoreLanes / 16)} operations of 16 lanes, ${n(r.tensorCoreLanes - real)} of them zero-padded)${r.macs > 0 ? ` and ${n(r.macs)} sequential` : ''}` : check && pastK ? `${n(check.macs)} MACs${pastK}` : `${n(r.macs)} MACs`;
        lines.push(`  verify ${r.name}: ${products}, ${n(r.cycles)} cycles; rows ${rows}; ${n(r.cells)} cells, about ${r.estimatedProveSeconds} s of the step proof`);
      }
    }
    if (computeChecks.length > 0) lines.push('', 'compute checks (per step proof, from their shapes):');
    for (const c of computeChecks) {
      const n = (x: number) => x.toLocaleString('en-US');
      const per = c.family ? ` a member, ${c.family.draws} of ${c.family.members} members a step` : '';
      lines.push(`  verify ${c.name} [${c.dims.join(', ')}] (order ${c.order}): ${n(c.samples)} samples${per} (${c.powBits} bits of work each), ${n(c.macs)} MACs, ${n(c.cycles)} cycles from ${n(c.instructions)} instructions, ${n(c.merkleLevels)} Merkle levels  ${c.at}`);
      if (c.family) {
        lines.push(`    proving cost per step: ${n(c.cycles)} cycles for ${c.family.draws} drawn member${c.family.draws === 1 ? '' : 's'} (checking all ${c.family.members} would take ${n(c.family.cyclesAllMembers)})`);
        lines.push(`    assurance: ${c.family.assurance}`);
      }
      // The same clause in each order: cycles, arithmetic-chip rows, main cells of those rows and the CPU's.
      for (const o of c.orders) {
        const rows = Object.entries(o.rows).map(([t, v]) => `${t} ${n(v)}`).join(', ');
        const padding = o.paddedLanes === 0 ? '' : o.rows['bf16-mma'] ? ` (${n(o.paddedLanes)} of the tensor-core lanes zero-padded)` : ` (${n(o.paddedLanes)} of them on zero padding: lanes past K, a row loop's first products)`;
        lines.push(`    ${`${o.order}${o.declared ? ' (declared)' : ''}`.padEnd(24)} ${n(o.cycles).padStart(11)} cycles; ${rows}${padding}; ${n(o.mainCells)} main cells of CPU and arithmetic rows`);
      }
    }
    if (members.length > 0) lines.push('', 'membership checks (per step proof, from_sources):');
    for (const m of members) lines.push(`  ${m.clause}: ${m.samples} of ${m.rows} batch rows (step.${m.batch}) opened in the datasets of ${m.names.join(', ')}; ${memberAssurance(m)}; ${drawWorkText(m.powBits)}  ${m.at}`);
    if (embeds.length > 0) lines.push('', 'embedding checks (per step proof, embeds):');
    for (const m of embeds) lines.push(`  ${m.clause}: ${m.samples} of ${m.rows * m.seq} token rows of step.${m.input} checked against step.${m.table}'s rows for their ids in step.${m.ids}; ${embedAssurance(m)}; ${drawWorkText(m.powBits)}  ${m.at}`);
    this.print(lines.join('\n'));
  }
}
