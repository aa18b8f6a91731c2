/**
 * Loads `schemas/**\/*.avsc` (the source of truth), inlines named-type references and exposes each
 * top-level schema self-contained, which is what gets registered. Pure over a file map, so the same
 * code loads today's files from disk and a base version from git.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Type, type Schema } from 'avsc';
import {
  collectDefinitions,
  fullNameOf,
  inlineReferences,
  isNamed,
  isObject,
  type AvroJson,
  type Definition,
} from './avro-json';
import { guardedTypeHook } from './avro-guard';
import { ContractError } from './errors';

/** Namespace prefix of every Meridian schema; the next segment is the aggregate type or `envelope`. */
export const NAMESPACE_PREFIX = 'io.meridian.';
export const ENVELOPE_NAME = 'io.meridian.envelope.v1.Envelope';

export interface LoadedSchema {
  /** Record full name; also the registry subject (RecordNameStrategy). */
  readonly fullName: string;
  readonly name: string;
  readonly namespace: string;
  /** Path of the `.avsc` file, relative to the schemas directory, `/`-separated. */
  readonly file: string;
  /** The schema with references inlined: what is registered and what readers use. */
  readonly resolved: AvroJson;
  /** `JSON.stringify(resolved)`: deterministic, so registering it again is a no-op. */
  readonly text: string;
  readonly type: Type;
  /** Hex SHA-256 of the Parsing Canonical Form: the schema identity that survives mirroring. */
  readonly fingerprint: string;
  /** Set for event records (first field `envelope`): the aggregate type, e.g. `profile`. */
  readonly aggregateType?: string;
}

export interface SchemaSet {
  /** Every top-level schema, sorted by full name. */
  readonly schemas: readonly LoadedSchema[];
  /** The event records only (what the serde encodes and decodes). */
  readonly events: readonly LoadedSchema[];
  readonly byName: ReadonlyMap<string, LoadedSchema>;
}

/** avsc parses without logical types, so `uuid` stays a string and `timestamp-millis` a number. */
export function parseAvro(schema: AvroJson | string): Type {
  // avsc validates the shape at runtime; its static Schema type is narrower than valid JSON.
  // Arrays and maps are guarded against corrupt block counts (see avro-guard).
  const json = (typeof schema === 'string' ? JSON.parse(schema) : schema) as Schema;
  return Type.forSchema(json, { typeHook: guardedTypeHook as never });
}

/** SHA-256 of the Parsing Canonical Form (avsc's `schema()` without options emits exactly PCF). */
export function fingerprintOf(type: Type): string {
  return type.fingerprint('sha256').toString('hex');
}

/** Builds the set from `relativePath -> text` of every `.avsc` file. */
export function loadSchemaFiles(files: ReadonlyMap<string, string>): SchemaSet {
  const parsed = new Map<string, AvroJson>();
  const defs = new Map<string, Definition>();
  for (const [file, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let json: AvroJson;
    try {
      json = JSON.parse(text) as AvroJson;
    } catch (cause) {
      throw new ContractError('INVALID_SCHEMA', `${file}: not valid JSON`, { cause });
    }
    if (!isNamed(json)) throw new ContractError('INVALID_SCHEMA', `${file}: top level must be a named type`);
    parsed.set(file, json);
    collectDefinitions(json, file, defs);
  }

  const schemas: LoadedSchema[] = [];
  for (const [file, json] of parsed) {
    if (!isNamed(json)) continue;
    const namespace = typeof json.namespace === 'string' ? json.namespace : '';
    const fullName = fullNameOf(json.name, namespace || undefined);
    const resolved = inlineReferences(json, file, defs);
    let type: Type;
    try {
      type = parseAvro(resolved);
    } catch (cause) {
      throw new ContractError('INVALID_SCHEMA', `${file}: ${(cause as Error).message}`, { cause });
    }
    const first = Array.isArray(json.fields)
      ? (json.fields as { name?: unknown; type?: unknown }[])[0]
      : undefined;
    const isEvent = first?.name === 'envelope' && refersTo(first.type, ENVELOPE_NAME, namespace);
    const schema: LoadedSchema = {
      fullName,
      name: fullName.slice(fullName.lastIndexOf('.') + 1),
      namespace: fullName.slice(0, Math.max(0, fullName.lastIndexOf('.'))),
      file,
      resolved,
      text: JSON.stringify(resolved),
      type,
      fingerprint: fingerprintOf(type),
      ...(isEvent ? { aggregateType: aggregateTypeOf(fullName) } : {}),
    };
    schemas.push(schema);
  }
  schemas.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
  return {
    schemas,
    events: schemas.filter((s) => s.aggregateType !== undefined),
    byName: new Map(schemas.map((s) => [s.fullName, s])),
  };
}

function refersTo(t: unknown, fullName: string, ns: string): boolean {
  if (typeof t === 'string') return fullNameOf(t, ns || undefined) === fullName || t === fullName;
  return (
    isObject(t) && isNamed(t) && fullNameOf(t.name, (t.namespace as string | undefined) ?? ns) === fullName
  );
}

function aggregateTypeOf(fullName: string): string {
  if (!fullName.startsWith(NAMESPACE_PREFIX)) {
    throw new ContractError('INVALID_SCHEMA', `${fullName}: event namespaces start with ${NAMESPACE_PREFIX}`);
  }
  return fullName.slice(NAMESPACE_PREFIX.length).split('.')[0] as string;
}

/** Reads every `.avsc` under `dir` (recursively). */
export function readSchemaDir(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.avsc'))
        files.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

export function loadSchemaDir(dir: string): SchemaSet {
  return loadSchemaFiles(readSchemaDir(dir));
}

/**
 * The `.avsc` files of `schemasDir` as of git `ref` (read-only: `git ls-tree` and `git show`).
 * Empty when the directory did not exist at `ref`.
 */
export function readSchemaFilesAtRef(schemasDir: string, ref: string): Map<string, string> {
  const git = (args: string[]): string =>
    execFileSync('git', args, { cwd: schemasDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const top = git(['rev-parse', '--show-toplevel']).trim();
  const prefix = relative(top, schemasDir).split(sep).join('/');
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch (cause) {
    throw new ContractError('INVALID_SCHEMA', `git ref ${ref} not found`, { cause });
  }
  const listing = git(['ls-tree', '--full-tree', '-r', '--name-only', ref, '--', prefix]);
  const files = new Map<string, string>();
  for (const path of listing.split('\n').filter((p) => p.endsWith('.avsc'))) {
    files.set(path.slice(prefix.length + 1), git(['show', `${ref}:${path}`]));
  }
  return files;
}

/** Finds `schemas/` (the one holding `envelope.avsc`) from `start` upwards (default: cwd, then this file). */
export function findSchemasDir(start?: string): string {
  for (const from of start === undefined ? [process.cwd(), __dirname] : [start]) {
    for (let d = from; ; d = dirname(d)) {
      const candidate = join(d, 'schemas');
      if (existsSync(join(candidate, 'envelope.avsc'))) return candidate;
      if (dirname(d) === d) break;
    }
  }
  throw new ContractError('INVALID_SCHEMA', `no schemas/envelope.avsc found above ${start ?? process.cwd()}`);
}
