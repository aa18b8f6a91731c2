/**
 * Registering the event schemas and checking changes: against the previous committed version
 * (no registry needed) and against a live registry. Compatibility is BACKWARD unless
 * `schemas/compatibility.json` overrides it for a subject.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAgainstPrevious, isCompatibilityMode, type CompatibilityMode } from './compatibility';
import { ContractError } from './errors';
import type { SchemaRegistry } from './registry';
import { generatedReaders, type ReaderSchema } from './serde';
import type { SchemaSet } from './schema-set';

export interface CompatibilityConfig {
  readonly default: CompatibilityMode;
  /** subject -> mode overrides. */
  readonly subjects: Readonly<Record<string, CompatibilityMode>>;
}

export const DEFAULT_COMPATIBILITY: CompatibilityConfig = { default: 'BACKWARD', subjects: {} };

export function parseCompatibilityConfig(json: unknown, source = 'compatibility.json'): CompatibilityConfig {
  const o = (json ?? {}) as { default?: unknown; subjects?: unknown };
  const def = o.default ?? 'BACKWARD';
  if (!isCompatibilityMode(def))
    throw new ContractError('INVALID_SCHEMA', `${source}: default ${String(def)} is not a mode`);
  const subjects: Record<string, CompatibilityMode> = {};
  for (const [s, m] of Object.entries((o.subjects ?? {}) as Record<string, unknown>)) {
    if (!isCompatibilityMode(m))
      throw new ContractError('INVALID_SCHEMA', `${source}: ${s}: ${String(m)} is not a mode`);
    subjects[s] = m;
  }
  return { default: def, subjects };
}

/** `schemas/compatibility.json`, or BACKWARD everywhere when it is absent. */
export function loadCompatibilityConfig(schemasDir: string): CompatibilityConfig {
  const p = join(schemasDir, 'compatibility.json');
  if (!existsSync(p)) return DEFAULT_COMPATIBILITY;
  return parseCompatibilityConfig(JSON.parse(readFileSync(p, 'utf8')), p);
}

export function modeFor(config: CompatibilityConfig, subject: string): CompatibilityMode {
  return config.subjects[subject] ?? config.default;
}

export interface RegistrationResult {
  readonly subject: string;
  readonly id: number;
}

/**
 * Registers every event schema under its subject (RecordNameStrategy: subject = record full name)
 * after setting the subject's compatibility mode. Idempotent: the same text gets the same id.
 * `schemas` defaults to this build's generated schemas; pass another order to simulate a region
 * that registered them differently.
 */
export async function registerAll(
  registry: SchemaRegistry,
  options: { schemas?: readonly ReaderSchema[]; compatibility?: CompatibilityConfig } = {},
): Promise<RegistrationResult[]> {
  const config = options.compatibility ?? DEFAULT_COMPATIBILITY;
  const out: RegistrationResult[] = [];
  for (const s of options.schemas ?? generatedReaders()) {
    const mode = modeFor(config, s.fullName);
    if ((await registry.getCompatibility(s.fullName)) !== mode)
      await registry.setCompatibility(s.fullName, mode);
    out.push({ subject: s.fullName, id: await registry.register(s.fullName, s.text) });
  }
  return out;
}

export type SubjectStatus = 'new' | 'unchanged' | 'compatible' | 'incompatible' | 'removed';

export interface SubjectCheck {
  readonly subject: string;
  readonly status: SubjectStatus;
  readonly mode: CompatibilityMode;
  readonly messages: readonly string[];
}

export interface CheckReport {
  readonly ok: boolean;
  readonly subjects: readonly SubjectCheck[];
}

function report(subjects: SubjectCheck[]): CheckReport {
  return { ok: subjects.every((s) => s.status !== 'incompatible'), subjects };
}

/** Each event schema of `current` against the same subject in `base` (e.g. from `git show HEAD:`). */
export function checkSchemaChanges(
  base: SchemaSet,
  current: SchemaSet,
  config: CompatibilityConfig,
): CheckReport {
  const subjects: SubjectCheck[] = [];
  for (const s of current.events) {
    const mode = modeFor(config, s.fullName);
    const old = base.byName.get(s.fullName);
    if (!old) subjects.push({ subject: s.fullName, status: 'new', mode, messages: [] });
    else if (old.fingerprint === s.fingerprint)
      subjects.push({ subject: s.fullName, status: 'unchanged', mode, messages: [] });
    else {
      const r = checkAgainstPrevious(old.type, s.type, mode);
      subjects.push({
        subject: s.fullName,
        status: r.compatible ? 'compatible' : 'incompatible',
        mode,
        messages: r.messages,
      });
    }
  }
  for (const old of base.events) {
    if (!current.byName.has(old.fullName)) {
      subjects.push({
        subject: old.fullName,
        status: 'removed',
        mode: modeFor(config, old.fullName),
        messages: [`${old.fullName}: schema removed; consumers of old records need a reader (keep the file)`],
      });
    }
  }
  return report(subjects);
}

/** Each event schema of `current` as the next version of its subject in `registry`. */
export async function checkAgainstRegistry(
  registry: SchemaRegistry,
  current: SchemaSet,
): Promise<CheckReport> {
  const subjects: SubjectCheck[] = [];
  for (const s of current.events) {
    const mode = await registry.getCompatibility(s.fullName);
    if ((await registry.listVersions(s.fullName)).length === 0) {
      subjects.push({ subject: s.fullName, status: 'new', mode, messages: [] });
      continue;
    }
    if (await registry.lookup(s.fullName, s.text)) {
      subjects.push({ subject: s.fullName, status: 'unchanged', mode, messages: [] });
      continue;
    }
    const r = await registry.testCompatibility(s.fullName, s.text);
    subjects.push({
      subject: s.fullName,
      status: r.compatible ? 'compatible' : 'incompatible',
      mode,
      messages: r.messages,
    });
  }
  return report(subjects);
}
