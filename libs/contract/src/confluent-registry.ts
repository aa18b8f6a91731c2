/**
 * Adapter for the Confluent Schema Registry REST API, which Apicurio also serves at
 * `/apis/ccompat/v7`. Plain `fetch` rather than @kafkajs/confluent-schema-registry: that client's
 * `register` insists the subject's compatibility equals the one it is given (and Apicurio answers
 * `GET /config/{subject}` with the global NONE rather than 404, so the first registration throws),
 * it decodes by wire id only (exactly what must not happen on mirrored topics), and it has no
 * version listing or compatibility test. No retries here: failures are typed and retriable ones
 * are retried by the caller (kafkajs, the CLI).
 */
import {
  checkAgainstPrevious,
  isCompatibilityMode,
  type CompatibilityMode,
  type CompatibilityResult,
} from './compatibility';
import {
  ContractError,
  IncompatibleSchemaError,
  RegistryUnavailableError,
  UnknownSchemaError,
} from './errors';
import type { RegisteredSchema, SchemaRegistry } from './registry';

export interface ConfluentRegistryOptions {
  /** Base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7 (Apicurio) or http://host:8081 (Confluent). */
  readonly url: string;
  /** Per-request deadline. */
  readonly requestTimeoutMs?: number;
  /** Extra headers, e.g. authorization. */
  readonly headers?: Readonly<Record<string, string>>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface HttpResult {
  status: number;
  body: unknown;
}

interface RegistryErrorBody {
  error_code?: number;
  message?: string;
}

/** The schema registry port over a Confluent-API registry (Apicurio's ccompat API here): register, look up, fetch by id or version, test and set compatibility. */
export class ConfluentSchemaRegistry implements SchemaRegistry {
  readonly name: string;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ConfluentRegistryOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.name = this.base;
    this.timeoutMs = options.requestTimeoutMs ?? 5_000;
  }

  async register(subject: string, schema: string): Promise<number> {
    const res = await this.call('POST', `/subjects/${enc(subject)}/versions`, { schema });
    if (res.status === 409) {
      // Registries report the break as a JSON pointer (Apicurio) or not at all; name the field.
      const local = await this.explain(subject, schema).catch(() => []);
      throw new IncompatibleSchemaError(
        subject,
        local.length > 0 ? local : [`${subject}: ${errorMessage(res.body)}`],
        {
          cause: res.body,
        },
      );
    }
    return this.expect<{ id: number }>(res, `register ${subject}`).id;
  }

  async lookup(subject: string, schema: string): Promise<RegisteredSchema | undefined> {
    const res = await this.call('POST', `/subjects/${enc(subject)}`, { schema });
    if (res.status === 404) return undefined;
    return toRegistered(this.expect<RegisteredSchema>(res, `lookup ${subject}`), subject);
  }

  async getSchemaById(id: number): Promise<string> {
    const res = await this.call('GET', `/schemas/ids/${id}`);
    // An id this registry never assigned will not appear later: not retriable (the fingerprint path,
    // which may wait for a lagging registration, is the retriable one).
    if (res.status === 404) {
      throw new UnknownSchemaError({ id }, `schema id ${id} not found in ${this.name}`, { retriable: false });
    }
    return this.expect<{ schema: string }>(res, `schema id ${id}`).schema;
  }

  async getLatest(subject: string): Promise<RegisteredSchema> {
    return this.getVersionPath(subject, 'latest');
  }

  async listVersions(subject: string): Promise<number[]> {
    const res = await this.call('GET', `/subjects/${enc(subject)}/versions`);
    if (res.status === 404) return [];
    return [...this.expect<number[]>(res, `versions of ${subject}`)].sort((a, b) => a - b);
  }

  async getVersion(subject: string, version: number): Promise<RegisteredSchema> {
    return this.getVersionPath(subject, String(version));
  }

  private async getVersionPath(subject: string, version: string): Promise<RegisteredSchema> {
    const res = await this.call('GET', `/subjects/${enc(subject)}/versions/${version}`);
    if (res.status === 404) {
      throw new UnknownSchemaError({ subject }, `${subject} version ${version} not found in ${this.name}`);
    }
    return toRegistered(this.expect<RegisteredSchema>(res, `${subject} version ${version}`), subject);
  }

  async testCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    const res = await this.call(
      'POST',
      `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`,
      {
        schema,
      },
    );
    // Confluent answers 404 for a subject without versions; anything is compatible with nothing.
    if (res.status === 404) return { compatible: true, messages: [] };
    const body = this.expect<{ is_compatible: boolean; messages?: string[] }>(
      res,
      `compatibility of ${subject}`,
    );
    if (body.is_compatible) return { compatible: true, messages: [] };
    if (body.messages && body.messages.length > 0) {
      return { compatible: false, messages: body.messages.map((m) => `${subject}: ${m}`) };
    }
    // Apicurio ignores `verbose`: explain locally against the latest version, naming the field.
    const local = await this.explain(subject, schema);
    return {
      compatible: false,
      messages: local.length > 0 ? local : [`${subject}: registry reports incompatible`],
    };
  }

  /** Local, field-naming explanation of why `schema` cannot follow the subject's latest version. */
  private async explain(subject: string, schema: string): Promise<readonly string[]> {
    const latest = await this.getLatest(subject);
    const mode = await this.getCompatibility(subject);
    return checkAgainstPrevious(latest.schema, schema, mode === 'NONE' ? 'BACKWARD' : mode).messages;
  }

  async getCompatibility(subject: string): Promise<CompatibilityMode> {
    let res = await this.call('GET', `/config/${enc(subject)}?defaultToGlobal=true`);
    if (res.status === 404) res = await this.call('GET', '/config');
    const level = this.expect<{ compatibilityLevel?: string; compatibility?: string }>(
      res,
      `config ${subject}`,
    );
    const mode = (level.compatibilityLevel ?? level.compatibility ?? '').toUpperCase();
    if (!isCompatibilityMode(mode)) {
      throw new ContractError(
        'REGISTRY_ERROR',
        `${this.name}: unknown compatibility level ${mode} for ${subject}`,
      );
    }
    return mode;
  }

  async setCompatibility(subject: string, mode: CompatibilityMode): Promise<void> {
    const res = await this.call('PUT', `/config/${enc(subject)}`, { compatibility: mode });
    this.expect<unknown>(res, `set config ${subject}`);
  }

  private async call(method: string, path: string, body?: unknown): Promise<HttpResult> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { Accept: CONTENT_TYPE, 'Content-Type': CONTENT_TYPE, ...this.options.headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new RegistryUnavailableError(url, `${method} ${url}: ${(cause as Error).message}`, { cause });
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Keep the raw text for the error message.
    }
    if (response.status >= 500 || response.status === 429) {
      throw new RegistryUnavailableError(
        url,
        `${method} ${url}: HTTP ${response.status} ${errorMessage(parsed)}`,
      );
    }
    return { status: response.status, body: parsed };
  }

  private expect<T>(res: HttpResult, what: string): T {
    if (res.status >= 200 && res.status < 300) return res.body as T;
    throw new ContractError(
      res.status === 422 ? 'INVALID_SCHEMA' : 'REGISTRY_ERROR',
      `${this.name}: ${what}: HTTP ${res.status} ${errorMessage(res.body)}`,
    );
  }
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function errorMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as RegistryErrorBody;
    return `${b.message ?? ''}${b.error_code ? ` (error ${b.error_code})` : ''}`;
  }
  return typeof body === 'string' ? body.slice(0, 300) : '';
}

function toRegistered(r: RegisteredSchema, subject: string): RegisteredSchema {
  return { subject: r.subject ?? subject, version: r.version, id: r.id, schema: r.schema };
}
