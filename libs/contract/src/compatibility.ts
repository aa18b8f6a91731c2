/**
 * Schema compatibility without a registry, with avsc's resolver as the authority (the same code the
 * decoder uses, so "compatible" means "this build can actually read it"). When the resolver refuses,
 * a walk over both schemas names the field that breaks.
 */
import { Type, type types } from 'avsc';
import { ContractError } from './errors';
import { parseAvro } from './schema-set';
import type { AvroJson } from './avro-json';

export const COMPATIBILITY_MODES = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

export function isCompatibilityMode(s: unknown): s is CompatibilityMode {
  return typeof s === 'string' && (COMPATIBILITY_MODES as readonly string[]).includes(s);
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** One line per problem, naming the record and field, e.g. "a.B: field `tag` changed type string -> int". */
  readonly messages: readonly string[];
}

type SchemaInput = string | AvroJson | Type;

function toType(s: SchemaInput): Type {
  if (Type.isType(s)) return s as Type;
  try {
    return parseAvro(s as AvroJson | string);
  } catch (cause) {
    throw new ContractError('INVALID_SCHEMA', `not a valid Avro schema: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * Checks `newer` against `older` under `mode`. BACKWARD: a reader with the new schema reads data
 * written with the old one (consumers upgrade first). FORWARD: old readers read new data. FULL: both.
 * Transitive modes need every older version: pass them to {@link checkAgainstVersions}.
 */
export function checkAgainstPrevious(
  older: SchemaInput,
  newer: SchemaInput,
  mode: CompatibilityMode = 'BACKWARD',
): CompatibilityResult {
  const o = toType(older);
  const n = toType(newer);
  const messages: string[] = [];
  const base = mode.replace('_TRANSITIVE', '');
  if (base === 'BACKWARD' || base === 'FULL') messages.push(...explainRead(n, o, 'backward'));
  if (base === 'FORWARD' || base === 'FULL') messages.push(...explainRead(o, n, 'forward'));
  return { compatible: messages.length === 0, messages };
}

/** Checks `newer` against every version in `olderFirst` (oldest first) as the mode requires. */
export function checkAgainstVersions(
  olderFirst: readonly SchemaInput[],
  newer: SchemaInput,
  mode: CompatibilityMode = 'BACKWARD',
): CompatibilityResult {
  if (mode === 'NONE' || olderFirst.length === 0) return { compatible: true, messages: [] };
  const against = mode.endsWith('_TRANSITIVE') ? olderFirst : olderFirst.slice(-1);
  const messages = [...new Set(against.flatMap((o) => checkAgainstPrevious(o, newer, mode).messages))];
  return { compatible: messages.length === 0, messages };
}

/** Messages explaining why `reader` cannot read `writer`; empty when it can. */
function explainRead(reader: Type, writer: Type, direction: 'backward' | 'forward'): string[] {
  try {
    reader.createResolver(writer);
    return [];
  } catch (cause) {
    const out: string[] = [];
    const ctx = { direction, out, seen: new Set<string>() };
    walk(reader, writer, reader.name ?? writer.name ?? '<root>', '', ctx);
    if (out.length === 0) out.push(`${reader.name ?? '<root>'}: ${(cause as Error).message}`);
    return out;
  }
}

interface WalkCtx {
  direction: 'backward' | 'forward';
  out: string[];
  seen: Set<string>;
}

function canRead(reader: Type, writer: Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

function label(t: Type): string {
  if (Type.isType(t, 'logical')) return label((t as types.LogicalType).underlyingType);
  if (t.name) return t.name.slice(t.name.lastIndexOf('.') + 1);
  if (Type.isType(t, 'array')) return `array<${label((t as types.ArrayType).itemsType)}>`;
  if (Type.isType(t, 'map')) return `map<${label((t as types.MapType).valuesType as Type)}>`;
  if (Type.isType(t, 'union')) return `[${(t as unknown as { types: Type[] }).types.map(label).join(', ')}]`;
  return t.typeName;
}

/** `reader`/`writer` are the same position in both schemas; messages always read old -> new. */
function walk(reader: Type, writer: Type, record: string, path: string, ctx: WalkCtx): void {
  const [oldT, newT] = ctx.direction === 'backward' ? [writer, reader] : [reader, writer];
  const at = (field: string): string => (path ? `${path}.${field}` : field);
  const say = (msg: string): void => void ctx.out.push(`${record}: ${msg}`);

  if (Type.isType(reader, 'record') && Type.isType(writer, 'record')) {
    const key = `${reader.name}<-${writer.name}@${path}`;
    if (ctx.seen.has(key)) return;
    ctx.seen.add(key);
    if (!namesMatch(reader, writer)) {
      say(`${path ? `field \`${path}\`: ` : ''}record renamed ${oldT.name} -> ${newT.name} without an alias`);
      return;
    }
    const r = reader as types.RecordType;
    const w = writer as types.RecordType;
    for (const rf of r.fields) {
      const wf = w.fields.find((f) => f.name === rf.name || (rf.aliases ?? []).includes(f.name));
      if (!wf) {
        if (rf.defaultValue() === undefined) {
          say(
            ctx.direction === 'backward'
              ? `field \`${at(rf.name)}\` added without a default`
              : `field \`${at(rf.name)}\` removed but old readers need it (it has no default)`,
          );
        }
        continue;
      }
      if (canRead(rf.type, wf.type)) continue;
      const before = walkLen(ctx);
      walk(rf.type, wf.type, record, at(rf.name), ctx);
      if (walkLen(ctx) === before) {
        const [o, n] = ctx.direction === 'backward' ? [wf.type, rf.type] : [rf.type, wf.type];
        say(`field \`${at(rf.name)}\` changed type ${label(o)} -> ${label(n)}`);
      }
    }
    return;
  }
  if (Type.isType(reader, 'enum') && Type.isType(writer, 'enum')) {
    const rs = (reader as types.EnumType).symbols;
    const ws = (writer as types.EnumType).symbols;
    const missing = ws.filter((s) => !rs.includes(s));
    if (missing.length > 0) {
      const where = path ? `field \`${path}\`: ` : '';
      say(
        ctx.direction === 'backward'
          ? `${where}enum ${label(reader)} removed symbol(s) ${missing.join(', ')} (no enum default)`
          : `${where}enum ${label(reader)} added symbol(s) ${missing.join(', ')} that old readers cannot read (no enum default)`,
      );
    }
    return;
  }
  if (Type.isType(reader, 'array') && Type.isType(writer, 'array')) {
    walk(
      (reader as types.ArrayType).itemsType,
      (writer as types.ArrayType).itemsType,
      record,
      `${path}[]`,
      ctx,
    );
    return;
  }
  if (Type.isType(reader, 'map') && Type.isType(writer, 'map')) {
    const rv = (reader as types.MapType).valuesType as Type;
    const wv = (writer as types.MapType).valuesType as Type;
    walk(rv, wv, record, `${path}{}`, ctx);
  }
  // Anything else (primitives, unions): the caller reports "changed type" for the field.
}

function walkLen(ctx: WalkCtx): number {
  return ctx.out.length;
}

function namesMatch(reader: Type, writer: Type): boolean {
  return reader.name === writer.name || (reader.aliases ?? []).includes(writer.name ?? '');
}
