/**
 * Lint configuration: `zpol.lint.json` (or `.zpollintrc.json`), found by walking up from each linted file's
 * directory, or one file named with `--config`. The nearest file wins; files are not merged.
 *
 *     { "rules": { "deprecated-threshold": "off", "clause-needs-description": "error" } }
 *
 * A rule set to "off" does not run; "warning" or "error" replaces its default severity. Files are validated
 * with ajv; a bad one is a usage error (exit 2) that names the file and the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { displayPath } from '../program.ts';

const CONFIG_FILE_NAMES = ['zpol.lint.json', '.zpollintrc.json'] as const;

export type RuleSetting = 'off' | 'warning' | 'error';
const RULE_SETTINGS: readonly RuleSetting[] = ['off', 'warning', 'error'];

export interface LintConfig {
  /** Where it was read from (display path), or undefined for a config given in code. */
  path?: string;
  rules: Record<string, RuleSetting>;
}

/** A configuration file that cannot be used: unreadable, not JSON, or not of the expected shape. */
export class LintConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`invalid lint configuration ${file}: ${message}`);
    this.name = 'LintConfigError';
  }
}

function schemaFor(ruleIds: readonly string[]) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      rules: {
        type: 'object',
        propertyNames: { enum: [...ruleIds] },
        additionalProperties: { enum: [...RULE_SETTINGS] },
      },
    },
  };
}

/** Checks a parsed configuration object; throws LintConfigError naming the file and every bad field. */
function validateConfig(value: unknown, file: string, ruleIds: readonly string[]): LintConfig {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(schemaFor(ruleIds));
  if (!validate(value)) {
    const problems = describeErrors(validate.errors ?? [], value, ruleIds);
    throw new LintConfigError(file, problems.join('; '));
  }
  const rules = (value as { rules?: Record<string, RuleSetting> }).rules ?? {};
  return { path: file, rules: { ...rules } };
}

function describeErrors(errors: ErrorObject[], value: unknown, ruleIds: readonly string[]): string[] {
  const out: string[] = [];
  const field = (instancePath: string) => instancePath.split('/').slice(1).map(decodePointer).join('.') || '(top level)';
  for (const e of errors) {
    switch (e.keyword) {
      case 'additionalProperties':
        out.push(`unknown field '${String(e.params.additionalProperty)}' (the fields are "rules" and "$schema")`);
        break;
      case 'propertyNames':
        out.push(`rules.${String(e.params.propertyName)}: unknown rule '${String(e.params.propertyName)}' (the rules are ${ruleIds.join(', ')})`);
        break;
      case 'enum': {
        // propertyNames reports its failing name a second time as an enum error at the same path; skip that one.
        if (e.propertyName !== undefined) break;
        const found = lookup(value, e.instancePath);
        out.push(`${field(e.instancePath)}: must be "off", "warning" or "error", found ${JSON.stringify(found)}`);
        break;
      }
      case 'type':
        out.push(`${field(e.instancePath)}: must be ${e.params.type === 'object' ? 'an object' : `a ${String(e.params.type)}`}, found ${JSON.stringify(lookup(value, e.instancePath))}`);
        break;
      default:
        out.push(`${field(e.instancePath)}: ${e.message ?? 'invalid'}`);
    }
  }
  return [...new Set(out)];
}

function decodePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function lookup(value: unknown, pointer: string): unknown {
  let v = value;
  for (const part of pointer.split('/').slice(1).map(decodePointer)) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

/** Reads and validates one configuration file. */
export function readConfig(path: string, ruleIds: readonly string[]): LintConfig {
  const shown = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new LintConfigError(shown, `cannot read it: ${reason}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LintConfigError(shown, `not valid JSON: ${(error as Error).message}`);
  }
  return validateConfig(value, shown, ruleIds);
}

/** Finds the configuration that applies to files in `dir`: the nearest config file at or above it. */
export class ConfigFinder {
  private readonly byDir = new Map<string, LintConfig | null>();
  private readonly byFile = new Map<string, LintConfig>();

  constructor(private readonly ruleIds: readonly string[]) {}

  forFile(file: string): LintConfig | undefined {
    return this.forDir(dirname(resolve(file))) ?? undefined;
  }

  private forDir(dir: string): LintConfig | null {
    const known = this.byDir.get(dir);
    if (known !== undefined) return known;
    let found: LintConfig | null = null;
    const name = CONFIG_FILE_NAMES.map((n) => join(dir, n)).find((p) => existsSync(p));
    if (name) {
      found = this.byFile.get(name) ?? readConfig(name, this.ruleIds);
      this.byFile.set(name, found);
    } else {
      const parent = dirname(dir);
      found = parent === dir ? null : this.forDir(parent);
    }
    this.byDir.set(dir, found);
    return found;
  }
}
