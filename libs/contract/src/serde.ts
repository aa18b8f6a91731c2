/**
 * Avro serde in the Confluent wire format (magic 0, 4-byte big-endian schema id, Avro binary) that
 * survives mirroring: ids are registry-local and differ between regions, so the encoder also writes
 * the subject and the SHA-256 of the writer schema's Parsing Canonical Form as headers, and the
 * decoder identifies the writer schema by that fingerprint. The wire id is trusted only on a local
 * topic for a record without the headers. Everything is cached: after the first record of a schema,
 * neither side calls the registry.
 */
import type { Resolver, Type } from 'avsc';
import { isMirroredTopic } from '@meridian/topology';
import { ContractError, InvalidEventError, UnknownSchemaError } from './errors';
import { EVENT_SCHEMAS, type EventName, type MeridianEvent } from './generated';
import { FINGERPRINT_HEADER, SUBJECT_HEADER, headerString, type KafkaHeaders } from './headers';
import type { SchemaRegistry } from './registry';
import { fingerprintOf, parseAvro } from './schema-set';

export const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A schema this build can read (and write): its full name and self-contained text. */
export interface ReaderSchema {
  readonly fullName: string;
  readonly text: string;
}

/** The reader schemas of this build, from the generated code. */
export function generatedReaders(): ReaderSchema[] {
  return (Object.keys(EVENT_SCHEMAS) as EventName[]).map((fullName) => ({
    fullName,
    text: JSON.stringify(JSON.parse(EVENT_SCHEMAS[fullName])),
  }));
}

export interface SerdeOptions {
  /** The registry of the region this process runs in; never another region's. */
  readonly registry: SchemaRegistry;
  /**
   * Register a missing writer schema on first encode. Off by default: schemas are registered by
   * `meridian schemas register` in CI/deploy, so a producer cannot sneak in an unchecked change.
   */
  readonly autoRegister?: boolean;
  /** Override the reader/writer schemas (tests of schema evolution); default: generated ones. */
  readonly readers?: readonly ReaderSchema[];
}

/** Ready to hand to kafkajs as a message. */
export interface EncodedEvent {
  /** `envelope.aggregateId`: one aggregate stays in one partition, so in order. */
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** Where the record was read: decides whether the wire id may be trusted. */
export type DecodeSource = { readonly topic: string } | { readonly mirrored: boolean };

interface Reader {
  readonly fullName: string;
  readonly text: string;
  readonly type: Type;
  readonly fingerprint: string;
  readonly aggregateType: string;
}

/** A known writer schema, resolved against the reader of the same name. */
interface WriterEntry {
  readonly reader: Reader;
  readonly fingerprint: string;
  /** Undefined when writer and reader are the same schema (no resolution needed). */
  readonly resolver: Resolver | undefined;
}

/** Encodes and decodes events in the Confluent wire format (magic byte, schema id, Avro), resolving a writer schema against the reader's. */
export class EventSerde {
  private readonly registry: SchemaRegistry;
  private readonly autoRegister: boolean;
  private readonly readers = new Map<string, Reader>();
  private readonly byFingerprint = new Map<string, WriterEntry>();
  private readonly byLocalId = new Map<number, WriterEntry>();
  private readonly writerIds = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(options: SerdeOptions) {
    this.registry = options.registry;
    this.autoRegister = options.autoRegister ?? false;
    for (const r of options.readers ?? generatedReaders()) {
      const type = parseAvro(r.text);
      const fingerprint = fingerprintOf(type);
      const ns = r.fullName.split('.');
      const reader: Reader = { ...r, type, fingerprint, aggregateType: ns[2] ?? '' };
      this.readers.set(r.fullName, reader);
      // Data written by this very schema needs no registry at all, in any region.
      this.byFingerprint.set(fingerprint, { reader, fingerprint, resolver: undefined });
    }
  }

  /** The registry id of `fullName`'s schema of this build (looked up once, then cached). */
  async writerId(fullName: string): Promise<number> {
    const cached = this.writerIds.get(fullName);
    if (cached !== undefined) return cached;
    const reader = this.readers.get(fullName);
    if (!reader) throw new InvalidEventError(fullName, 'type', `unknown event type ${fullName}`);
    return this.once(`id:${fullName}`, async () => {
      const found = await this.registry.lookup(fullName, reader.text);
      const id = found
        ? found.id
        : this.autoRegister
          ? await this.registry.register(fullName, reader.text)
          : undefined;
      if (id === undefined) {
        throw new UnknownSchemaError(
          { subject: fullName, fingerprint: reader.fingerprint },
          `${fullName} (fingerprint ${reader.fingerprint.slice(0, 12)}…) is not registered in ${this.registry.name}; ` +
            'run `meridian schemas register`',
        );
      }
      this.writerIds.set(fullName, id);
      this.byLocalId.set(id, this.byFingerprint.get(reader.fingerprint) as WriterEntry);
      return id;
    });
  }

  /** Validates and encodes; throws InvalidEventError naming the field path. */
  async encode(event: MeridianEvent): Promise<EncodedEvent> {
    const reader = this.validate(event);
    const id = this.writerIds.get(reader.fullName) ?? (await this.writerId(reader.fullName));
    const body = reader.type.toBuffer(event);
    const value = Buffer.allocUnsafe(HEADER_BYTES + body.length);
    value.writeUInt8(MAGIC_BYTE, 0);
    value.writeInt32BE(id, 1);
    body.copy(value, HEADER_BYTES);
    return {
      key: event.envelope.aggregateId,
      value,
      headers: { [SUBJECT_HEADER]: reader.fullName, [FINGERPRINT_HEADER]: reader.fingerprint },
    };
  }

  /**
   * Decodes a record into this build's event types (resolving from the writer schema when it
   * differs). Throws ContractError: BAD_MAGIC_BYTE, TRUNCATED, BODY_MISMATCH, UNKNOWN_SCHEMA,
   * UNKNOWN_EVENT_TYPE, INCOMPATIBLE_SCHEMA, REGISTRY_UNAVAILABLE.
   */
  async decode(
    value: Buffer | null | undefined,
    headers: KafkaHeaders | undefined,
    source: DecodeSource,
  ): Promise<MeridianEvent> {
    const known = this.decodeKnown(value, headers, source);
    if (known !== undefined) return known;
    return this.body(await this.lookupWriter(value as Buffer, headers), value as Buffer);
  }

  /**
   * `decode` without a promise when the writer schema is already known here (after the first record
   * of each schema, every record): undefined when the registry must be asked first. Throws as
   * `decode` does. A projector decodes a whole fetch with it, one microtask less per record.
   */
  decodeKnown(
    value: Buffer | null | undefined,
    headers: KafkaHeaders | undefined,
    source: DecodeSource,
  ): MeridianEvent | undefined {
    if (!value || value.length < HEADER_BYTES) {
      throw new ContractError(
        'TRUNCATED',
        `record of ${value?.length ?? 0} bytes has no 5-byte schema header`,
      );
    }
    if (value[0] !== MAGIC_BYTE) {
      throw new ContractError(
        'BAD_MAGIC_BYTE',
        `magic byte ${value[0]} (expected ${MAGIC_BYTE}): not Confluent wire format`,
      );
    }
    const fingerprint = headerString(headers, FINGERPRINT_HEADER);
    let writer: WriterEntry | undefined;
    if (fingerprint !== undefined) writer = this.byFingerprint.get(fingerprint);
    else {
      const id = value.readInt32BE(1);
      const mirrored = 'mirrored' in source ? source.mirrored : isMirroredTopic(source.topic);
      if (mirrored) {
        throw new UnknownSchemaError(
          { id },
          `mirrored record without ${FINGERPRINT_HEADER}: its schema id ${id} belongs to another region's registry`,
          { retriable: false },
        );
      }
      writer = this.byLocalId.get(id);
    }
    return writer === undefined ? undefined : this.body(writer, value);
  }

  /** The writer schema of a record `decodeKnown` could not place: asks the local registry. */
  private lookupWriter(value: Buffer, headers: KafkaHeaders | undefined): Promise<WriterEntry> {
    const fingerprint = headerString(headers, FINGERPRINT_HEADER);
    if (fingerprint !== undefined)
      return this.writerByFingerprint(headerString(headers, SUBJECT_HEADER), fingerprint);
    return this.writerById(value.readInt32BE(1));
  }

  private body(writer: WriterEntry, value: Buffer): MeridianEvent {
    let record: unknown;
    try {
      record = writer.reader.type.fromBuffer(value.subarray(HEADER_BYTES), writer.resolver);
    } catch (cause) {
      const msg = (cause as Error).message;
      const code = msg === 'truncated buffer' ? 'TRUNCATED' : 'BODY_MISMATCH';
      throw new ContractError(code, `${writer.reader.fullName}: body does not match its schema: ${msg}`, {
        cause,
      });
    }
    return plainEvent(writer.reader.fullName, record as Record<string, unknown>);
  }

  private validate(event: MeridianEvent): Reader {
    const name = (event as { type?: unknown } | null)?.type;
    const reader = typeof name === 'string' ? this.readers.get(name) : undefined;
    if (!reader)
      throw new InvalidEventError(String(name), 'type', `unknown event type ${JSON.stringify(name)}`);
    let first: { path: string; reason: string } | undefined;
    reader.type.isValid(event, {
      errorHook: (path: string[], val: unknown, type: Type) => {
        first ??= { path: path.join('.'), reason: `expected ${type.typeName}, got ${describe(val)}` };
      },
    });
    if (first) throw new InvalidEventError(reader.fullName, first.path || '<root>', first.reason);
    // Checks Avro cannot express; what merge would reject later, rejected where the writer can fix it.
    const e = event.envelope;
    if (!UUID.test(e.eventId)) throw new InvalidEventError(reader.fullName, 'envelope.eventId', 'not a UUID');
    if (e.aggregateType !== reader.aggregateType) {
      throw new InvalidEventError(
        reader.fullName,
        'envelope.aggregateType',
        `is ${JSON.stringify(e.aggregateType)}, this event belongs to ${JSON.stringify(reader.aggregateType)}`,
      );
    }
    if (e.seq < 1) throw new InvalidEventError(reader.fullName, 'envelope.seq', `must be >= 1, got ${e.seq}`);
    if (e.hlc.logical < 0)
      throw new InvalidEventError(reader.fullName, 'envelope.hlc.logical', 'must be >= 0');
    if (e.hlc.nodeId.length === 0)
      throw new InvalidEventError(reader.fullName, 'envelope.hlc.nodeId', 'is empty');
    return reader;
  }

  /** Asks the local registry for the subject's versions and caches every fingerprint seen. */
  private async writerByFingerprint(subject: string | undefined, fingerprint: string): Promise<WriterEntry> {
    if (subject === undefined) {
      throw new UnknownSchemaError(
        { fingerprint },
        `fingerprint ${fingerprint} is not a schema of this build and the record has no ${SUBJECT_HEADER}`,
        { retriable: false },
      );
    }
    let failure: unknown;
    await this.once(`subject:${subject}`, async () => {
      for (const v of await this.registry.listVersions(subject)) {
        const version = await this.registry.getVersion(subject, v);
        try {
          this.byLocalId.set(version.id, this.entryFor(version.schema, { subject }));
        } catch (e) {
          // A version this build cannot read matters only if it is the one the record was written with.
          if (safeFingerprint(version.schema) === fingerprint) failure = e;
        }
      }
    });
    if (failure !== undefined) throw failure;
    const found = this.byFingerprint.get(fingerprint);
    if (!found) {
      throw new UnknownSchemaError(
        { subject, fingerprint },
        `no version of ${subject} in ${this.registry.name} has fingerprint ${fingerprint} (registration may lag)`,
      );
    }
    return found;
  }

  private async writerById(id: number): Promise<WriterEntry> {
    return this.once(`id#${id}`, async () => {
      const text = await this.registry.getSchemaById(id);
      const entry = this.entryFor(text, { id });
      this.byLocalId.set(id, entry);
      return entry;
    });
  }

  /** Parses a writer schema, pairs it with the reader of the same name and caches the resolver. */
  private entryFor(text: string, ref: { subject?: string; id?: number }): WriterEntry {
    let type: Type;
    try {
      type = parseAvro(text);
    } catch (cause) {
      throw new ContractError('INVALID_SCHEMA', `registry schema ${JSON.stringify(ref)} does not parse`, {
        cause,
      });
    }
    const fingerprint = fingerprintOf(type);
    const known = this.byFingerprint.get(fingerprint);
    if (known) return known;
    const reader = type.name === undefined ? undefined : this.readers.get(type.name);
    if (!reader) {
      throw new ContractError(
        'UNKNOWN_EVENT_TYPE',
        `this build has no reader for ${type.name ?? 'an unnamed schema'}`,
      );
    }
    let resolver: Resolver;
    try {
      resolver = reader.type.createResolver(type);
    } catch (cause) {
      throw new ContractError(
        'INCOMPATIBLE_SCHEMA',
        `${reader.fullName}: cannot read writer schema ${fingerprint.slice(0, 12)}…: ${(cause as Error).message}`,
        { cause },
      );
    }
    const entry: WriterEntry = { reader, fingerprint, resolver };
    this.byFingerprint.set(fingerprint, entry);
    return entry;
  }

  /** One registry round trip per key at a time, however many records wait on it. */
  private async once<T>(key: string, run: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const p = run().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}

function safeFingerprint(text: string): string | undefined {
  try {
    return fingerprintOf(parseAvro(text));
  } catch {
    return undefined;
  }
}

function describe(val: unknown): string {
  if (val === undefined) return 'undefined';
  if (typeof val === 'number' && !Number.isSafeInteger(val) && Number.isInteger(val))
    return `${val} (unsafe integer)`;
  const s = JSON.stringify(val);
  return s === undefined ? typeof val : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * avsc returns records as instances of generated classes; events are plain data (the merge library
 * rejects class instances), so copy them into plain objects and arrays.
 */
function plain(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(plain);
  if (Buffer.isBuffer(v)) return v;
  return copyInto({}, v as Record<string, unknown>);
}

/** The event: its type first, then its fields (not `{ type, ...fields }`, see `copyRec` in merge). */
function plainEvent(type: string, record: Record<string, unknown>): MeridianEvent {
  return copyInto({ type }, record) as unknown as MeridianEvent;
}

function copyInto(out: Record<string, unknown>, v: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(v)) {
    const x = plain(v[k]);
    // A map key `__proto__` from the wire must stay a key, not replace the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true });
    else out[k] = x;
  }
  return out;
}
