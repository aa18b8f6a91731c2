import { checkAgainstVersions, type CompatibilityMode, type CompatibilityResult } from './compatibility';
import { IncompatibleSchemaError, UnknownSchemaError } from './errors';
import type { RegisteredSchema, SchemaRegistry } from './registry';

export interface InMemoryRegistryOptions {
  name?: string;
  /** First id handed out; give regions different values to make ids disagree, as in production. */
  firstId?: number;
  /** Global default mode (Confluent's default is BACKWARD). */
  defaultCompatibility?: CompatibilityMode;
}

/**
 * Registry fake for unit tests and benches. Like Confluent, one id per distinct schema text, shared
 * across subjects, assigned in registration order; new versions are checked against the subject's
 * mode with the same resolver-based checker the CLI uses.
 */
export class InMemorySchemaRegistry implements SchemaRegistry {
  readonly name: string;
  private nextId: number;
  private readonly ids = new Map<string, number>();
  private readonly texts = new Map<number, string>();
  private readonly subjects = new Map<string, RegisteredSchema[]>();
  private readonly modes = new Map<string, CompatibilityMode>();
  private readonly defaultMode: CompatibilityMode;
  /** Calls per method, so tests can assert that the serde caches. */
  readonly calls: Record<string, number> = {};

  constructor(options: InMemoryRegistryOptions = {}) {
    this.name = options.name ?? 'in-memory';
    this.nextId = options.firstId ?? 1;
    this.defaultMode = options.defaultCompatibility ?? 'BACKWARD';
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  async register(subject: string, schema: string): Promise<number> {
    this.count('register');
    const existing = await this.lookup(subject, schema);
    if (existing) return existing.id;
    const check = await this.testCompatibility(subject, schema);
    if (!check.compatible) throw new IncompatibleSchemaError(subject, check.messages);
    let id = this.ids.get(schema);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(schema, id);
      this.texts.set(id, schema);
    }
    const versions = this.subjects.get(subject) ?? [];
    versions.push({ subject, version: versions.length + 1, id, schema });
    this.subjects.set(subject, versions);
    return id;
  }

  async lookup(subject: string, schema: string): Promise<RegisteredSchema | undefined> {
    this.count('lookup');
    return this.subjects.get(subject)?.find((v) => v.schema === schema);
  }

  async getSchemaById(id: number): Promise<string> {
    this.count('getSchemaById');
    const text = this.texts.get(id);
    if (text === undefined) throw new UnknownSchemaError({ id }, `schema id ${id} not found in ${this.name}`);
    return text;
  }

  async getLatest(subject: string): Promise<RegisteredSchema> {
    this.count('getLatest');
    const latest = this.subjects.get(subject)?.at(-1);
    if (!latest) throw new UnknownSchemaError({ subject }, `subject ${subject} not found in ${this.name}`);
    return latest;
  }

  async listVersions(subject: string): Promise<number[]> {
    this.count('listVersions');
    return (this.subjects.get(subject) ?? []).map((v) => v.version);
  }

  async getVersion(subject: string, version: number): Promise<RegisteredSchema> {
    this.count('getVersion');
    const v = this.subjects.get(subject)?.find((x) => x.version === version);
    if (!v)
      throw new UnknownSchemaError({ subject }, `${subject} version ${version} not found in ${this.name}`);
    return v;
  }

  async testCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    this.count('testCompatibility');
    const versions = (this.subjects.get(subject) ?? []).map((v) => v.schema);
    return checkAgainstVersions(versions, schema, await this.getCompatibility(subject));
  }

  async getCompatibility(subject: string): Promise<CompatibilityMode> {
    return this.modes.get(subject) ?? this.defaultMode;
  }

  async setCompatibility(subject: string, mode: CompatibilityMode): Promise<void> {
    this.modes.set(subject, mode);
  }
}
