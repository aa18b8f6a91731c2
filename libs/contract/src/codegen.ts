/**
 * Generates `libs/contract/src/generated/*.ts` from the schema set: an interface per record, a
 * string-literal union per enum, a discriminated union per aggregate and the name -> type map, and
 * the self-contained schema text the serde reads with (so the reader schema is, by construction,
 * the one the types were generated from). Output is already prettier-formatted, so the committed
 * files pass `prettier --check` and the freshness test compares plain strings.
 */
import { fullNameOf, isNamed, isObject, isPrimitive, type AvroJson, type AvroObject } from './avro-json';
import { ContractError } from './errors';
import { NAMESPACE_PREFIX, type LoadedSchema, type SchemaSet } from './schema-set';

const WIDTH = 110;
export const GENERATED_HEADER =
  '// generated — do not edit. Source: schemas/**/*.avsc; regenerate with `npm run gen:types`.';

interface NamedDef {
  fullName: string;
  name: string;
  namespace: string;
  schema: AvroObject & { name: string };
  event?: LoadedSchema;
}

/** File name (without `.ts`) holding the types of a namespace: io.meridian.profile.v1 -> profile-v1. */
export function moduleOf(namespace: string): string {
  const rest = namespace.startsWith(NAMESPACE_PREFIX) ? namespace.slice(NAMESPACE_PREFIX.length) : namespace;
  return rest.replace(/\./g, '-');
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function constCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function docComment(doc: unknown, indent: string): string[] {
  if (typeof doc !== 'string' || doc.length === 0) return [];
  return [`${indent}/** ${doc.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */`];
}

/** `head a | b | c;` on one line when it fits, else prettier's one-member-per-line layout. */
function unionDecl(head: string, members: string[]): string[] {
  const one = `${head} ${members.join(' | ')};`;
  if (one.length <= WIDTH) return [one];
  return [head, ...members.map((m, i) => `  | ${m}${i === members.length - 1 ? ';' : ''}`)];
}

function arrayDecl(head: string, items: string[], tail: string): string[] {
  const one = `${head}[${items.join(', ')}]${tail};`;
  if (one.length <= WIDTH) return [one];
  return [`${head}[`, ...items.map((x) => `  ${x},`), `]${tail};`];
}

/** Every named type in the resolved schemas, deduplicated by full name. */
function collectNamed(set: SchemaSet): Map<string, NamedDef> {
  const out = new Map<string, NamedDef>();
  const walk = (s: AvroJson, ns: string | undefined): void => {
    if (Array.isArray(s)) return s.forEach((b) => walk(b, ns));
    if (!isObject(s)) return;
    if (isNamed(s)) {
      const namespace = s.name.includes('.')
        ? s.name.slice(0, s.name.lastIndexOf('.'))
        : ((s.namespace as string | undefined) ?? ns ?? '');
      const fullName = fullNameOf(s.name, namespace || undefined);
      if (!out.has(fullName)) {
        const name = fullName.slice(fullName.lastIndexOf('.') + 1);
        const top = set.byName.get(fullName);
        const event = top?.aggregateType !== undefined ? top : undefined;
        out.set(fullName, { fullName, name, namespace, schema: s, ...(event ? { event } : {}) });
      }
      if (Array.isArray(s.fields)) for (const f of s.fields as { type: AvroJson }[]) walk(f.type, namespace);
      return;
    }
    if (s.type === 'array') walk(s.items as AvroJson, ns);
    else if (s.type === 'map') walk(s.values as AvroJson, ns);
    else if (typeof s.type !== 'string') walk(s.type, ns);
  };
  for (const s of set.schemas) walk(s.resolved, undefined);
  const byShort = new Map<string, string>();
  for (const d of out.values()) {
    const other = byShort.get(d.name);
    if (other)
      throw new ContractError('INVALID_SCHEMA', `type names collide in TypeScript: ${other}, ${d.fullName}`);
    byShort.set(d.name, d.fullName);
  }
  return out;
}

class ModuleWriter {
  private readonly imports = new Map<string, Set<string>>();
  constructor(
    readonly module: string,
    private readonly named: ReadonlyMap<string, NamedDef>,
  ) {}

  tsType(s: AvroJson, ns: string): string {
    if (typeof s === 'string') {
      if (isPrimitive(s)) return primitiveTs(s);
      const def = this.named.get(s) ?? this.named.get(fullNameOf(s, ns || undefined));
      if (!def) throw new ContractError('INVALID_SCHEMA', `unknown type ${s}`);
      return this.ref(def);
    }
    if (Array.isArray(s)) return s.map((b) => this.tsType(b, ns)).join(' | ');
    if (isNamed(s)) {
      const def = this.named.get(
        fullNameOf(s.name, (s.namespace as string | undefined) ?? (ns || undefined)),
      );
      if (!def) throw new ContractError('INVALID_SCHEMA', `unknown type ${s.name}`);
      return this.ref(def);
    }
    switch (s.type) {
      case 'array': {
        const item = this.tsType(s.items as AvroJson, ns);
        return item.includes(' ') ? `ReadonlyArray<${item}>` : `readonly ${item}[]`;
      }
      case 'map':
        return `Readonly<Record<string, ${this.tsType(s.values as AvroJson, ns)}>>`;
      default:
        return this.tsType(s.type, ns);
    }
  }

  private ref(def: NamedDef): string {
    const mod = moduleOf(def.namespace);
    if (mod !== this.module) {
      const names = this.imports.get(mod) ?? new Set<string>();
      names.add(def.name);
      this.imports.set(mod, names);
    }
    return def.name;
  }

  importLines(): string[] {
    return [...this.imports.keys()].sort().map((mod) => {
      const names = [...(this.imports.get(mod) as Set<string>)].sort();
      const one = `import type { ${names.join(', ')} } from './${mod}';`;
      return one.length <= WIDTH
        ? one
        : [`import type {`, ...names.map((n) => `  ${n},`), `} from './${mod}';`].join('\n');
    });
  }
}

function primitiveTs(p: string): string {
  switch (p) {
    case 'null':
      return 'null';
    case 'boolean':
      return 'boolean';
    case 'bytes':
      return 'Buffer';
    case 'string':
      return 'string';
    default:
      return 'number'; // int, long, float, double: longs beyond 2^53 are rejected, never rounded
  }
}

function recordLines(w: ModuleWriter, d: NamedDef): string[] {
  const lines = [...docComment(d.schema.doc, ''), `export interface ${d.name} {`];
  if (d.event) {
    lines.push(
      '  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */',
    );
    lines.push(`  readonly type: ${quote(d.fullName)};`);
  }
  for (const f of d.schema.fields as { name: string; type: AvroJson; doc?: string }[]) {
    lines.push(...docComment(f.doc, '  '), `  readonly ${f.name}: ${w.tsType(f.type, d.namespace)};`);
  }
  lines.push('}');
  return lines;
}

function enumLines(d: NamedDef): string[] {
  const symbols = (d.schema.symbols as string[]).map(quote);
  return [
    ...docComment(d.schema.doc, ''),
    ...unionDecl(`export type ${d.name} =`, symbols),
    ...arrayDecl(`export const ${constCase(d.name)}_SYMBOLS = `, symbols, ' as const'),
  ];
}

function fileText(body: string[]): string {
  return [GENERATED_HEADER, ...body].join('\n') + '\n';
}

/** `file name -> content` of every generated file. */
export function generateTypes(set: SchemaSet): Map<string, string> {
  const named = collectNamed(set);
  const byModule = new Map<string, NamedDef[]>();
  for (const d of [...named.values()].sort((a, b) => (a.fullName < b.fullName ? -1 : 1))) {
    const mod = moduleOf(d.namespace);
    byModule.set(mod, [...(byModule.get(mod) ?? []), d]);
  }

  const files = new Map<string, string>();
  const unions: { mod: string; union: string; aggregate: string }[] = [];
  for (const [mod, defs] of [...byModule].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const w = new ModuleWriter(mod, named);
    const blocks: string[][] = [];
    for (const d of defs) blocks.push(d.schema.type === 'enum' ? enumLines(d) : recordLines(w, d));
    const events = defs.filter((d) => d.event);
    if (events.length > 0) {
      const aggregate = events[0]?.event?.aggregateType as string;
      const union = `${pascal(aggregate)}Event`;
      unions.push({ mod, union, aggregate });
      blocks.push([
        `/** Every \`${aggregate}\` event (topic \`meridian.${aggregate}\`), discriminated by \`type\`. */`,
        ...unionDecl(
          `export type ${union} =`,
          events.map((d) => d.name),
        ),
      ]);
    }
    const imports = w.importLines();
    const body = [...(imports.length > 0 ? ['', ...imports] : [])];
    for (const b of blocks) body.push('', ...b);
    files.set(`${mod}.ts`, fileText(body));
  }

  const events = set.events;
  const eventImports = new Map<string, string[]>();
  for (const e of events) {
    const mod = moduleOf(e.namespace);
    eventImports.set(mod, [...(eventImports.get(mod) ?? []), e.name]);
  }
  for (const u of unions) eventImports.set(u.mod, [...(eventImports.get(u.mod) ?? []), u.union]);
  const importLines = [...eventImports.keys()].sort().flatMap((mod) => {
    const names = [...new Set(eventImports.get(mod))].sort();
    const one = `import type { ${names.join(', ')} } from './${mod}';`;
    return one.length <= WIDTH
      ? [one]
      : [`import type {`, ...names.map((n) => `  ${n},`), `} from './${mod}';`];
  });
  files.set(
    'events.ts',
    fileText([
      '',
      ...importLines,
      '',
      '/** Every Meridian event, discriminated by `type` (the record full name). */',
      ...unionDecl(
        'export type MeridianEvent =',
        unions.map((u) => u.union),
      ),
      '',
      '/** Record full name (= registry subject) -> event type. */',
      'export interface EventTypes {',
      ...events.map((e) => `  ${quote(e.fullName)}: ${e.name};`),
      '}',
      '',
      'export type EventName = keyof EventTypes;',
      '',
      ...arrayDecl(
        'export const EVENT_NAMES: readonly EventName[] = ',
        events.map((e) => quote(e.fullName)),
        '',
      ),
      '',
      '/** Aggregate types; events of one share the topic `meridian.<aggregateType>`. */',
      ...arrayDecl(
        'export const AGGREGATE_TYPES = ',
        unions.map((u) => quote(u.aggregate)),
        ' as const',
      ),
    ]),
  );

  const escapeTemplate = (s: string): string =>
    s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  files.set(
    'schemas.ts',
    fileText([
      "import type { EventName } from './events';",
      '',
      '/**',
      ' * Self-contained schema (references inlined) of each event: the reader schema of this build and',
      ' * the text registered under the subject of the same name.',
      ' */',
      'export const EVENT_SCHEMAS: { readonly [N in EventName]: string } = {',
      ...events.map(
        (e) => `  ${quote(e.fullName)}: \`${escapeTemplate(JSON.stringify(e.resolved, null, 2))}\`,`,
      ),
      '};',
    ]),
  );

  files.set(
    'index.ts',
    fileText(['', ...[...byModule.keys(), 'events', 'schemas'].sort().map((m) => `export * from './${m}';`)]),
  );
  return files;
}
