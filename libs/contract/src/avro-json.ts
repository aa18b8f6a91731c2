/**
 * Avro schema JSON as written in `.avsc` files, and the walk that inlines named-type references so
 * every registered schema is self-contained (no registry `references`, which registries and client
 * libraries support unevenly).
 */
import { ContractError } from './errors';

export type AvroJson = string | AvroJson[] | AvroObject;
export interface AvroObject {
  readonly [key: string]: unknown;
  readonly type: AvroJson;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

export function isPrimitive(name: string): boolean {
  return PRIMITIVES.has(name);
}

export function isObject(s: unknown): s is AvroObject {
  return typeof s === 'object' && s !== null && !Array.isArray(s);
}

export function isNamed(s: unknown): s is AvroObject & { name: string } {
  return isObject(s) && typeof s.type === 'string' && NAMED.has(s.type) && typeof s.name === 'string';
}

/** Full name of a named type under the Avro rules: a dotted name is already full. */
export function fullNameOf(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function namespaceOf(s: AvroObject & { name: string }, enclosing: string | undefined): string | undefined {
  if (s.name.includes('.')) return s.name.slice(0, s.name.lastIndexOf('.'));
  return typeof s.namespace === 'string' ? s.namespace : enclosing;
}

export interface Definition {
  readonly fullName: string;
  readonly namespace: string | undefined;
  readonly schema: AvroObject & { name: string };
  readonly file: string;
}

/** Every named type defined (not referenced) in `schema`, nested ones included. */
export function collectDefinitions(schema: AvroJson, file: string, out: Map<string, Definition>): void {
  const walk = (s: AvroJson, ns: string | undefined): void => {
    if (Array.isArray(s)) return s.forEach((b) => walk(b, ns));
    if (!isObject(s)) return;
    if (isNamed(s)) {
      const namespace = namespaceOf(s, ns);
      const fullName = fullNameOf(s.name, namespace);
      const prior = out.get(fullName);
      if (prior) {
        throw new ContractError('INVALID_SCHEMA', `${fullName} is defined twice (${prior.file} and ${file})`);
      }
      out.set(fullName, { fullName, namespace, schema: s, file });
      if (Array.isArray(s.fields)) {
        for (const f of s.fields as { type: AvroJson }[]) walk(f.type, namespace);
      }
      return;
    }
    if (s.type === 'array') walk(s.items as AvroJson, ns);
    else if (s.type === 'map') walk(s.values as AvroJson, ns);
    else if (typeof s.type !== 'string') walk(s.type, ns);
  };
  walk(schema, undefined);
}

/**
 * Copy of `schema` where each reference to a type defined elsewhere is replaced by its definition
 * at its first use (Avro allows a name to be defined once per schema; later uses stay references).
 * Inlined definitions get an explicit namespace so they keep their full name in any context.
 */
export function inlineReferences(
  schema: AvroJson,
  file: string,
  defs: ReadonlyMap<string, Definition>,
): AvroJson {
  const defined = new Set<string>();
  const walk = (s: AvroJson, ns: string | undefined): AvroJson => {
    if (typeof s === 'string') {
      if (isPrimitive(s)) return s;
      const fullName = defs.has(s) ? s : fullNameOf(s, ns);
      const def = defs.get(fullName);
      if (!def) throw new ContractError('INVALID_SCHEMA', `${file}: unknown type reference \`${s}\``);
      if (defined.has(fullName)) return fullName;
      const own = def.schema.name.includes('.') || def.namespace === undefined;
      const withNs: AvroObject & { name: string } = own
        ? def.schema
        : { ...def.schema, namespace: def.namespace };
      return walk(withNs, def.namespace);
    }
    if (Array.isArray(s)) return s.map((b) => walk(b, ns));
    if (!isObject(s)) return s;
    if (isNamed(s)) {
      const namespace = namespaceOf(s, ns);
      defined.add(fullNameOf(s.name, namespace));
      if (!Array.isArray(s.fields)) return s;
      const fields = (s.fields as { type: AvroJson }[]).map((f) => ({ ...f, type: walk(f.type, namespace) }));
      return { ...s, fields };
    }
    if (s.type === 'array') return { ...s, items: walk(s.items as AvroJson, ns) };
    if (s.type === 'map') return { ...s, values: walk(s.values as AvroJson, ns) };
    if (typeof s.type !== 'string' || !isPrimitive(s.type)) return { ...s, type: walk(s.type, ns) };
    return s;
  };
  return walk(schema, undefined);
}
