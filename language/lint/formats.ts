/**
 * Machine formats of a lint report: SARIF 2.1.0 (code-scanning tools, GitHub code scanning) and GitHub
 * Actions workflow commands (annotations in a pull request). pretty and json are the CLI's shared renderers.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIAGNOSTIC_CODES, sortDiagnostics, type Diagnostic } from '../diagnostics.ts';
import type { LintRule } from './rule.ts';

const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface SarifTool {
  version: string;
  /** The tool's home page; omitted from the log when unknown. */
  informationUri?: string;
}

export interface SarifInput {
  diagnostics: readonly Diagnostic[];
  rules: readonly LintRule[];
  /** The directory relative paths are relative to (the working directory). */
  baseDirectory: string;
  /**
   * A problem that stopped the run before it linted anything (a configuration file that cannot be used): the
   * log then says the invocation failed, with the problem as a tool configuration notification.
   */
  configurationError?: { file: string; message: string };
}

interface SarifRule {
  id: string;
  name?: string;
  shortDescription: { text: string };
  fullDescription?: { text: string };
  help?: { text: string; markdown: string };
  defaultConfiguration: { level: 'error' | 'warning' };
  properties: { category: string; tags: string[] };
}

/**
 * A SARIF 2.1.0 log with one run. Every lint rule is in `tool.driver.rules` (with its docs as help); compiler
 * diagnostics appear as results too, with a rule entry for each ZPnnnn code that occurs. Locations are relative
 * URIs against `%SRCROOT%` (the working directory); columns count UTF-16 code units, as the lexer does. A file
 * that does not parse stays a result like any other (its syntax errors, ZP1xxx, each at its line and column); a
 * missing file is one too (ZP6004); a bad configuration file makes a log without results whose invocation failed.
 */
export function toSarif(input: SarifInput, tool: SarifTool): object {
  const rules: SarifRule[] = input.rules.map((r) => ({
    id: r.id,
    name: pascalCase(r.id),
    shortDescription: { text: sentence(docsPlainText(r.summary)) },
    fullDescription: { text: docsPlainText(r.docs.trim().split(/\n\s*\n/)[0]).replace(/\s*\n\s*/g, ' ') },
    help: { text: docsPlainText(r.docs), markdown: r.docs.trim() },
    defaultConfiguration: { level: r.severity },
    properties: { category: r.category, tags: ['zpol', r.category] },
  }));
  const diagnostics = sortDiagnostics(input.diagnostics);
  for (const code of [...new Set(diagnostics.map((d) => d.code))].sort()) {
    if (rules.some((r) => r.id === code)) continue;
    const known = (DIAGNOSTIC_CODES as Record<string, { severity: 'error' | 'warning'; summary: string }>)[code];
    rules.push({
      id: code,
      shortDescription: { text: sentence(known?.summary ?? 'compiler diagnostic') },
      defaultConfiguration: { level: known?.severity ?? 'error' },
      properties: { category: 'compiler', tags: ['zpol', 'compiler'] },
    });
  }
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: index.get(d.code),
    level: d.severity,
    message: { text: d.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(d.file),
          region: {
            startLine: d.span.start.line,
            startColumn: d.span.start.column,
            endLine: d.span.end.line,
            endColumn: d.span.end.column,
          },
        },
      },
    ],
  }));
  const driver: Record<string, unknown> = { name: 'zpol', version: tool.version, semanticVersion: tool.version };
  if (tool.informationUri) driver.informationUri = tool.informationUri;
  driver.rules = rules;
  // Files that do not parse are results (their ZP1xxx diagnostics, each with its place), so the run itself
  // succeeded; only a run stopped by its configuration did not.
  const failure = input.configurationError;
  const invocation: Record<string, unknown> = { executionSuccessful: failure === undefined };
  if (failure) {
    invocation.toolConfigurationNotifications = [
      { level: 'error', message: { text: failure.message }, locations: [{ physicalLocation: { artifactLocation: artifactLocation(failure.file) } }] },
    ];
  }
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        originalUriBaseIds: { '%SRCROOT%': { uri: directoryUri(input.baseDirectory) } },
        columnKind: 'utf16CodeUnits',
        invocations: [invocation],
        results,
      },
    ],
  };
}

function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

function pascalCase(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t.charAt(0).toUpperCase()}${t.slice(1)}.`;
}

/** Rule docs as plain text: the markdown with code fences and emphasis markers dropped. */
function docsPlainText(markdown: string): string {
  return markdown
    .trim()
    .replace(/^```.*$/gm, '')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\n{3,}/g, '\n\n');
}

// ---------------------------------------------------------------------------------------------------------
// GitHub Actions workflow commands

/** Escapes a command's message (GitHub's toolkit, `escapeData`). */
export function escapeGithubData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a command property value (`escapeProperty`): as data, plus ':' and ','. */
export function escapeGithubProperty(s: string): string {
  return escapeGithubData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * One `::error ...::message` or `::warning ...::message` line per diagnostic, which GitHub Actions shows as an
 * annotation on the file and line (in the pull request's diff when the file is in it).
 */
export function toGithubCommands(diagnostics: readonly Diagnostic[]): string {
  return sortDiagnostics(diagnostics)
    .map((d) => {
      const props = [
        ['file', d.file],
        ['line', String(d.span.start.line)],
        ['col', String(d.span.start.column)],
        ['endLine', String(d.span.end.line)],
        ['endColumn', String(d.span.end.column)],
        ['title', d.code],
      ]
        .map(([k, v]) => `${k}=${escapeGithubProperty(v)}`)
        .join(',');
      return `::${d.severity} ${props}::${escapeGithubData(d.message)}`;
    })
    .join('\n');
}
