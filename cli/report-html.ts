/**
 * `zpol verify ... --format html --out report.html`: the verification report as one self-contained page for
 * auditors, to read and to forward. Inline CSS and SVG, no script, nothing fetched: the page is the same
 * offline, in a mail client or in an archive. It shows what the text report shows, laid out:
 *
 *   - the verdict, the policy (name, version, digest) and the spec commitment;
 *   - each clause with its kind, description, result and source line (`file:line:col` and the line itself when
 *     the policy's source is at hand);
 *   - the chain as a timeline (genesis, each step, the attestation), each proof green when it verified, red with
 *     its code when rejected, grey when missing;
 *   - the revealed figures with their units (and, when the chain fails, the figures it carries, marked as not
 *     verified; a value from an earlier chain that was not given is marked not checked, and the verdict says so);
 *   - the compute checks: samples, the product's shape and multiply-accumulates, bits of security;
 *   - each proof file's size, the estimated proving time of each program (`zpol info`'s model) and the measured
 *     time verification took.
 *
 * Only the verifier's report, the artifact and the proof files' sizes go in: what the page says is what
 * `zpol verify` found.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ChainReport, ProofCheck } from '../runtime/chain/verifier.ts';
import { uncheckedVerdict, type LinkCheck } from '../runtime/chain/links.ts';
import type { LoadedPolicy } from '../runtime/policy/artifact.ts';
import { programCost } from '../runtime/vm/costs.ts';

export type HtmlReport = ChainReport & { unreadable?: readonly string[]; links?: readonly LinkCheck[] };

export interface HtmlReportInput {
  report: HtmlReport;
  policy: LoadedPolicy;
  proofsDir: string;
  /** Wall-clock time verification took, in milliseconds. */
  verifyMs: number;
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  /** zpol's version. */
  version: string;
  /** The policy's `.zpol` source, when verification was given one: clauses then show their source line. */
  sourcePath?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function seconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)} ms` : s < 100 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}

/**
 * The source line a clause's `file:line:col` points at: in the `.zpol` verification was given (the artifact names
 * the file as it was compiled, so by its name), else in that file when it is readable from here. Only a regular
 * `.zpol` file is read: the artifact may come from the lab, and a path it names must not put a line of some other
 * file of the verifier's machine into the page (or block it on a FIFO).
 */
function sourceLine(at: string, sourcePath: string | undefined): string | null {
  const m = /^(.*):(\d+):(\d+)$/.exec(at);
  if (!m) return null;
  const named = m[1]!;
  const file = sourcePath && basename(sourcePath) === basename(named) ? sourcePath : named;
  if (!file.endsWith('.zpol') || !existsSync(file) || !statSync(file).isFile()) return null;
  try {
    return readFileSync(file, 'utf8').split('\n')[Number(m[2]) - 1]?.trim() ?? null;
  } catch {
    return null;
  }
}

interface Slot {
  label: string;
  kind: 'genesis' | 'step' | 'attestation';
  step: number;
  proof: ProofCheck | undefined;
  size: number | null;
}

/** Genesis, steps 1..N, the attestation: each with its proof file when there is one. */
function timeline(input: HtmlReportInput): Slot[] {
  const { report, proofsDir } = input;
  const size = (p: ProofCheck | undefined) => {
    if (!p) return null;
    try {
      return statSync(join(proofsDir, p.name)).size;
    } catch {
      return null;
    }
  };
  const find = (kind: Slot['kind'], step?: number) => report.proofs.find((p) => p.kind === kind && (step === undefined || p.step === step));
  const steps = Math.max(report.steps, ...report.proofs.filter((p) => p.kind === 'step').map((p) => p.step ?? 0));
  const slots: Slot[] = [];
  const genesis = find('genesis');
  slots.push({ label: 'genesis', kind: 'genesis', step: 0, proof: genesis, size: size(genesis) });
  for (let k = 1; k <= steps; k++) {
    const p = find('step', k);
    slots.push({ label: `step ${k}`, kind: 'step', step: k, proof: p, size: size(p) });
  }
  const att = find('attestation');
  slots.push({ label: 'attestation', kind: 'attestation', step: steps, proof: att, size: size(att) });
  return slots;
}

const COLOURS = { ok: '#1a7f37', bad: '#cf222e', missing: '#8c959f' };

/** The chain as an SVG timeline: a node per proof, wrapped onto rows of at most 12. */
function timelineSvg(slots: readonly Slot[]): string {
  const perRow = 12;
  const dx = 92;
  const rowHeight = 86;
  const rows = Math.ceil(slots.length / perRow);
  const width = Math.min(slots.length, perRow) * dx + 20;
  const height = rows * rowHeight + 10;
  const parts: string[] = [];
  slots.forEach((s, i) => {
    const x = 50 + (i % perRow) * dx;
    const y = 30 + Math.floor(i / perRow) * rowHeight;
    const colour = !s.proof ? COLOURS.missing : s.proof.ok ? COLOURS.ok : COLOURS.bad;
    if (i > 0 && i % perRow !== 0) parts.push(`<line x1="${x - dx + 16}" y1="${y}" x2="${x - 16}" y2="${y}" stroke="#57606a" stroke-width="2"/>`);
    const mark = !s.proof ? '?' : s.proof.ok ? '✓' : '✗';
    const title = !s.proof ? `${s.label}: no proof file` : s.proof.ok ? `${s.label}: ${s.proof.name} verifies` : `${s.label}: ${s.proof.name} rejected ${s.proof.code ?? ''}: ${s.proof.error ?? ''}`;
    parts.push(
      `<g class="node"><title>${esc(title)}</title><circle cx="${x}" cy="${y}" r="15" fill="${colour}"/>` +
        `<text x="${x}" y="${y + 5}" text-anchor="middle" fill="#fff" font-size="14" font-weight="bold">${mark}</text>` +
        `<text x="${x}" y="${y + 34}" text-anchor="middle" font-size="11">${esc(s.label)}</text>` +
        `<text x="${x}" y="${y + 48}" text-anchor="middle" font-size="10" fill="#57606a">${s.size === null ? (s.proof ? '' : 'missing') : esc(bytes(s.size))}</text></g>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="the chain of proofs" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}

/** A bar per compute check: its bits against a grinding prover, beside the target. */
function securitySvg(checks: ChainReport['security']['computeChecks'], stark: ChainReport['security']['stark']): string {
  const bars: { label: string; bits: number; target?: number }[] = [];
  if (stark) bars.push({ label: 'STARK (conjectured)', bits: stark.conjecturedBits });
  if (stark?.provenBits !== null && stark?.provenBits !== undefined) bars.push({ label: 'STARK (proven)', bits: stark.provenBits });
  for (const c of checks) bars.push({ label: `verify ${c.name}`, bits: c.grindingBits, target: c.grindingTarget });
  if (bars.length === 0) return '';
  const max = Math.max(128, ...bars.map((b) => b.bits));
  const scale = 360 / max;
  const height = bars.length * 28 + 24;
  const rows = bars.map((b, i) => {
    const y = 8 + i * 28;
    const target = b.target === undefined ? '' : `<line x1="${170 + b.target * scale}" y1="${y - 3}" x2="${170 + b.target * scale}" y2="${y + 21}" stroke="#24292f" stroke-dasharray="3 2"><title>target ${b.target} bits</title></line>`;
    return `<text x="164" y="${y + 14}" text-anchor="end" font-size="12">${esc(b.label)}</text><rect x="170" y="${y}" width="${Math.max(1, b.bits * scale)}" height="18" fill="#0969da"/><text x="${176 + b.bits * scale}" y="${y + 14}" font-size="12">${b.bits} bits</text>${target}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="bits of security" width="600" height="${height}" viewBox="0 0 600 ${height}" font-family="system-ui, sans-serif">${rows.join('')}</svg>`;
}

/** The whole page. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { report, policy } = input;
  const a = policy.artifact;
  const slots = timeline(input);
  // A chain that verifies with links not checked says so in its verdict (amber, not green), naming what to pass.
  const unchecked = uncheckedVerdict(report);
  const verdict = unchecked ? `${unchecked[0]!.toUpperCase()}${unchecked.slice(1)}.` : report.ok ? 'The chain verifies: the run complied with the policy.' : 'The chain does NOT verify.';
  const verdictClass = unchecked ? 'warn' : report.ok ? 'ok' : 'bad';
  const openLinks = (report.links ?? []).filter((l) => l.status === 'not checked').length;
  // The verifier words each claim `KIND NAME (DESCRIPTION): WHAT HELD`, or `KIND NAME: WHAT HELD` without a description.
  const claimFor = (c: (typeof a.clauses)[number]) => {
    const head = `${c.kind} ${c.name}${c.description ? ` (${c.description})` : ''}: `;
    const claim = report.claims.find((x) => x.startsWith(head));
    return claim === undefined ? undefined : claim.slice(head.length);
  };
  const clauseRows = a.clauses.map((c) => {
    const said = claimFor(c);
    const result = c.kind === 'output' ? (report.ok ? 'revealed' : 'not verified') : said !== undefined ? 'held' : 'not shown';
    const cls = result === 'held' || result === 'revealed' ? 'ok' : 'bad';
    const line = sourceLine(c.at, input.sourcePath);
    return `<tr><td><code>${esc(c.kind)}</code></td><td><code>${esc(c.name)}</code></td><td>${esc(c.description ?? '')}${said ? `<div class="said">${esc(said)}</div>` : ''}</td><td class="${cls}">${esc(result)}</td><td><code>${esc(c.at)}</code>${line ? `<pre>${esc(line)}</pre>` : ''}</td></tr>`;
  });
  const value = (v: HtmlReport['revealed'][number]) => {
    const unit = v.value && typeof v.value === 'object' && 'unit' in v.value ? String((v.value as { unit?: unknown }).unit ?? '') : '';
    const number = unit ? v.text.replace(new RegExp(`\\s*${unit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), '') : v.text;
    const note = v.notChecked ? `<div class="said bad">not checked: ${esc(v.notChecked)}</div>` : '';
    return `<tr><td><code>${esc(v.name)}</code>${note}</td><td class="num">${esc(number)}</td><td>${esc(unit || '—')}</td></tr>`;
  };
  const revealed = report.revealed.length > 0 ? `<table><tr><th>name</th><th>value</th><th>unit</th></tr>${report.revealed.map(value).join('')}</table>` : '<p>Nothing is revealed.</p>';
  const unverified =
    report.unverified.length > 0
      ? `<h3>Not verified</h3><p class="bad">The chain does not verify, so no proof supports these figures; they are listed for diagnosis only.</p><table><tr><th>name</th><th>value</th><th>unit</th></tr>${report.unverified.map(value).join('')}</table>`
      : '';
  const checks = a.verifies.map((v) => {
    const sec = report.security.computeChecks.find((c) => c.name === v.name);
    const [m, k, n] = v.dims;
    return `<tr><td><code>${esc(v.name)}</code></td><td><code>${esc(v.c)} = ${esc(v.a)} · ${esc(v.b)}</code></td><td class="num">[${m}×${k}]·[${k}×${n}]</td><td class="num">${(m * k * n).toLocaleString('en-US')}</td><td class="num">${v.samples} of ${(m * n).toLocaleString('en-US')}</td><td class="num">${sec ? `${sec.drawBits} + ${sec.powBits} = ${sec.grindingBits}` : `${v.grindingBits}`}</td><td class="num">${v.grindingTarget}</td><td><code>${esc(v.at)}</code></td></tr>`;
  });
  const checksTable = checks.length > 0 ? `<table><tr><th>check</th><th>product</th><th>shape</th><th>multiply-accumulates</th><th>entries sampled</th><th>bits (draw + work)</th><th>target</th><th>source</th></tr>${checks.join('')}</table>` : '<p>The policy has no compute checks.</p>';
  const estimate = (kind: 'genesis' | 'step' | 'attestation') => {
    try {
      return programCost(policy.programs[kind]).estimatedProveSeconds;
    } catch {
      return null;
    }
  };
  const estimates = { genesis: estimate('genesis'), step: estimate('step'), attestation: estimate('attestation') };
  const proofRows = slots.map((s) => {
    const status = !s.proof ? '<td class="missing">missing</td>' : s.proof.ok ? '<td class="ok">verifies</td>' : `<td class="bad">rejected ${esc(s.proof.code ?? '')}: ${esc(s.proof.error ?? '')}</td>`;
    const est = estimates[s.kind];
    return `<tr><td>${esc(s.label)}</td><td><code>${esc(s.proof?.name ?? '—')}</code></td>${status}<td class="num">${s.size === null ? '—' : esc(bytes(s.size))}</td><td class="num">${est === null ? '—' : esc(seconds(est))}</td></tr>`;
  });
  const total = slots.reduce((t, s) => t + (s.size ?? 0), 0);
  const problems = [
    ...(report.unreadable ?? []).map((u) => `unreadable ZV111: ${u}`),
    ...report.errors.map((e) => `chain ${e.code}: ${e.message}`),
    ...(report.links ?? []).filter((l) => l.status !== 'matches').map((l) => `spec.${l.field}: ${l.status}: ${l.message}`),
  ];
  const sec = report.security;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>zpol verification: ${esc(a.policy.name)} — ${report.ok ? `verifies${unchecked ? `, ${openLinks} link${openLinks === 1 ? '' : 's'} not checked` : ''}` : 'does not verify'}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #24292f; max-width: 1100px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.verdict { padding: 12px 16px; border-radius: 6px; font-size: 16px; font-weight: 600; color: #fff; }
.verdict.ok { background: #1a7f37; } .verdict.bad { background: #cf222e; } .verdict.warn { background: #9a6700; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; } th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.ok { color: #1a7f37; font-weight: 600; } td.bad, p.bad, li.bad { color: #cf222e; font-weight: 600; } td.missing { color: #57606a; }
pre { margin: 4px 0 0; font-size: 12px; background: #f6f8fa; padding: 2px 6px; white-space: pre-wrap; } .said { color: #57606a; font-size: 12px; margin-top: 2px; }
code { font-size: 12px; } h1 code { font-size: inherit; } .meta { color: #57606a; } footer { margin-top: 32px; color: #57606a; font-size: 12px; }
</style>
</head>
<body>
<h1>Verification report: policy <code>${esc(a.policy.name)}</code> version ${esc(a.policy.version)}</h1>
<p class="meta">${esc(a.policy.description ?? '')}</p>
<div class="verdict ${verdictClass}">${esc(verdict)}</div>
<table>
<tr><th>policy digest</th><td><code>${esc(report.policyDigest)}</code></td></tr>
<tr><th>steps</th><td>${report.steps}</td></tr>
<tr><th>proofs</th><td>${report.proofs.length} files in <code>${esc(input.proofsDir)}</code>, ${esc(bytes(total))}; verified in ${esc(seconds(input.verifyMs / 1000))}</td></tr>
${report.specCommitment ? `<tr><th>spec commitment</th><td><code>${esc(report.specCommitment)}</code></td></tr>` : ''}
${sec.weakest ? `<tr><th>weakest security</th><td>${sec.weakest.bits} bits: ${esc(sec.weakest.what)}</td></tr>` : ''}
</table>
${problems.length > 0 ? `<h2>Problems</h2><ul>${problems.map((p) => `<li class="bad">${esc(p)}</li>`).join('')}</ul>` : ''}
<h2>The chain</h2>
${timelineSvg(slots)}
<h2>Clauses</h2>
<table><tr><th>kind</th><th>name</th><th>description</th><th>result</th><th>source</th></tr>${clauseRows.join('')}</table>
<h2>Revealed</h2>
${revealed}
${unverified}
<h2>Compute checks</h2>
${checksTable}
<h2>Security</h2>
${securitySvg(sec.computeChecks, sec.stark)}
<h2>Proof files</h2>
<table><tr><th>proof</th><th>file</th><th>result</th><th>size</th><th>estimated proving time</th></tr>${proofRows.join('')}</table>
<p class="meta">Proving times are zpol info's estimate for each program on this machine class; the proof files do not record how long proving took.</p>
<footer>zpol ${esc(input.version)} · ${esc(input.generatedAt)} · from <code>zpol verify --format html</code>; this page fetches nothing and runs no script.</footer>
</body>
</html>
`;
}
