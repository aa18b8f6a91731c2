import { ContractError, InvalidEventError } from './errors';
import { allSamples, envelope, sampleEvents, variant } from './fixtures.spec-helper';
import type { MeridianEvent, TagAdded } from './generated';
import { FINGERPRINT_HEADER, SUBJECT_HEADER } from './headers';
import { InMemorySchemaRegistry } from './in-memory-registry';
import { deadLetterHeaders } from './dead-letter';
import { registerAll } from './registration';
import { EventSerde, generatedReaders, type ReaderSchema } from './serde';
import { isMirroredTopic } from '@meridian/topology';

const LOCAL = { topic: 'meridian.profile' } as const;
const MIRRORED = { topic: 'us-east.meridian.profile' } as const;

async function region(
  name: string,
  firstId: number,
  order: (r: ReaderSchema[]) => ReaderSchema[] = (r) => r,
) {
  const registry = new InMemorySchemaRegistry({ name, firstId });
  await registerAll(registry, { schemas: order(generatedReaders()) });
  return { registry, serde: new EventSerde({ registry }) };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    return e.code;
  }
  throw new Error('expected a ContractError');
}

/**
 * A TagAdded written by a newer writer version (an added `source` field) in `east`, that version
 * registered in `eu` too: eu knows it only by fingerprint, through its registry.
 */
async function writtenByTagV2(
  east: InMemorySchemaRegistry,
  eu: InMemorySchemaRegistry,
  tag: MeridianEvent,
): Promise<{ value: Buffer; headers: Record<string, string> }> {
  const v2 = variant(generatedReaders().find((r) => r.fullName === tag.type) as ReaderSchema, (f) => [
    ...f,
    { name: 'source', type: 'string', default: 'web', doc: 'Where the tag was added.' },
  ]);
  const eastV2 = new EventSerde({ registry: east, readers: [v2], autoRegister: true });
  await eu.register(tag.type, v2.text);
  return eastV2.encode({ ...tag, source: 'app' } as unknown as MeridianEvent);
}

describe('EventSerde', () => {
  it('round-trips every event type in Confluent wire format, with the identity headers', async () => {
    const { serde, registry } = await region('us-east', 1);
    for (const event of allSamples()) {
      const out = await serde.encode(event);
      expect(out.value[0]).toBe(0);
      expect(out.value.readInt32BE(1)).toBe(
        (await registry.lookup(event.type, generatedText(event.type)))?.id,
      );
      expect(out.key).toBe(event.envelope.aggregateId);
      expect(out.headers[SUBJECT_HEADER]).toBe(event.type);
      expect(out.headers[FINGERPRINT_HEADER]).toMatch(/^[0-9a-f]{64}$/);
      const back = await serde.decode(out.value, out.headers, LOCAL);
      expect(back).toEqual(event);
      // Plain data all the way down (merge rejects class instances).
      expect(Object.getPrototypeOf(back.envelope.hlc)).toBe(Object.prototype);
    }
  });

  it('caches ids and schemas: no registry call per message', async () => {
    const { serde, registry } = await region('us-east', 1);
    const tag = sampleEvents()['io.meridian.profile.v1.TagAdded'];
    await serde.decode((await serde.encode(tag)).value, undefined, LOCAL);
    const before = { ...registry.calls };
    for (let i = 0; i < 50; i++) {
      const out = await serde.encode(tag);
      await serde.decode(out.value, out.headers, MIRRORED);
      await serde.decode(out.value, undefined, LOCAL);
    }
    expect(registry.calls).toEqual(before);
  });

  it('decodes across regions whose registries assigned different ids, by fingerprint', async () => {
    const east = await region('us-east', 1);
    const eu = await region('eu', 100, (r) => [...r].reverse());
    const tag = sampleEvents()['io.meridian.profile.v1.TagAdded'];
    const out = await east.serde.encode(tag);
    const eastId = out.value.readInt32BE(1);
    // In eu the same id is another schema, or nothing at all.
    expect((await eu.registry.lookup(tag.type, generatedText(tag.type)))?.id).not.toBe(eastId);
    expect(await eu.serde.decode(out.value, out.headers, MIRRORED)).toEqual(tag);

    // A different writer version, known to eu's registry only by fingerprint: resolved via listVersions.
    const written = await writtenByTagV2(east.registry, eu.registry, tag);
    const freshEu = new EventSerde({ registry: eu.registry });
    expect(await freshEu.decode(written.value, written.headers, MIRRORED)).toEqual(tag);
  });

  it('decodes without the registry once a writer is known (decodeKnown), and says when it is not', async () => {
    const east = await region('us-east', 1);
    const eu = await region('eu', 100);
    const tag = sampleEvents()['io.meridian.profile.v1.TagAdded'];
    const out = await east.serde.encode(tag);
    // This build's own schema: known by fingerprint in any region, no registry call.
    expect(eu.serde.decodeKnown(out.value, out.headers, MIRRORED)).toEqual(tag);
    // A writer version this process has not met yet: undefined (ask the registry), then known.
    const written = await writtenByTagV2(east.registry, eu.registry, tag);
    const freshEu = new EventSerde({ registry: eu.registry });
    expect(freshEu.decodeKnown(written.value, written.headers, MIRRORED)).toBeUndefined();
    expect(await freshEu.decode(written.value, written.headers, MIRRORED)).toEqual(tag);
    expect(freshEu.decodeKnown(written.value, written.headers, MIRRORED)).toEqual(tag);
    // Frame errors and untrusted ids throw as decode's do, without a registry round trip.
    expect(() => freshEu.decodeKnown(Buffer.from([1, 0, 0, 0, 1, 0]), {}, LOCAL)).toThrow(/magic byte/);
    expect(() => freshEu.decodeKnown(out.value, {}, MIRRORED)).toThrow(/belongs to another region/);
  });

  it('never trusts the wire id of a mirrored record without headers', async () => {
    const east = await region('us-east', 1);
    const out = await east.serde.encode(sampleEvents()['io.meridian.profile.v1.TagAdded']);
    await expect(east.serde.decode(out.value, {}, MIRRORED)).rejects.toMatchObject({
      code: 'UNKNOWN_SCHEMA',
      retriable: false,
    });
    // On a local topic the id is this registry's own, so it is used.
    expect((await east.serde.decode(out.value, {}, LOCAL)).type).toBe('io.meridian.profile.v1.TagAdded');
    expect(isMirroredTopic('eu.meridian.profile')).toBe(true);
    expect(isMirroredTopic('meridian.profile')).toBe(false);
  });

  describe('schema evolution (BACKWARD): new readers read old data', () => {
    const base = (): ReaderSchema =>
      generatedReaders().find((r) => r.fullName === 'io.meridian.profile.v1.SessionStarted') as ReaderSchema;
    const event = sampleEvents()['io.meridian.profile.v1.SessionStarted'];

    it('a field added with a default takes the default', async () => {
      const registry = new InMemorySchemaRegistry();
      const oldWriter = new EventSerde({ registry, autoRegister: true });
      const added = variant(base(), (f) => [
        ...f,
        { name: 'ip', type: ['null', 'string'], default: null, doc: 'ip' },
      ]);
      await registry.register(added.fullName, added.text); // passes BACKWARD
      const newReader = new EventSerde({ registry, readers: [added] });
      const out = await oldWriter.encode(event);
      expect(await newReader.decode(out.value, out.headers, MIRRORED)).toEqual({ ...event, ip: null });
    });

    it('a removed optional field is skipped', async () => {
      const registry = new InMemorySchemaRegistry();
      const withOptional = variant(base(), (f) => [
        ...f,
        { name: 'ip', type: ['null', 'string'], default: null, doc: 'ip' },
      ]);
      const oldWriter = new EventSerde({ registry, readers: [withOptional], autoRegister: true });
      const out = await oldWriter.encode({ ...event, ip: '10.0.0.1' } as unknown as MeridianEvent);
      await registry.register(base().fullName, base().text); // removing a field with a default passes BACKWARD
      const current = new EventSerde({ registry });
      expect(await current.decode(out.value, out.headers, MIRRORED)).toEqual(event);
      expect(await current.decode(out.value, undefined, LOCAL)).toEqual(event);
    });

    it('a writer schema the reader cannot resolve is INCOMPATIBLE_SCHEMA', async () => {
      const registry = new InMemorySchemaRegistry({ defaultCompatibility: 'NONE' });
      const broken = variant(base(), (f) => f.map((x) => (x.name === 'device' ? { ...x, type: 'int' } : x)));
      const writer = new EventSerde({ registry, readers: [broken], autoRegister: true });
      const out = await writer.encode({ ...event, device: 7 } as unknown as MeridianEvent);
      await expect(new EventSerde({ registry }).decode(out.value, out.headers, LOCAL)).rejects.toMatchObject({
        code: 'INCOMPATIBLE_SCHEMA',
      });
    });
  });

  describe('bad input: every case has its own typed error', () => {
    let good: { value: Buffer; headers: Record<string, string> };
    let serde: EventSerde;
    beforeAll(async () => {
      ({ serde } = await region('us-east', 1));
      good = await serde.encode(sampleEvents()['io.meridian.profile.v1.CreditAdjusted']);
    });

    it.each([
      ['BAD_MAGIC_BYTE', () => Buffer.from([1, 0, 0, 0, 1, 2, 3])],
      ['TRUNCATED', () => Buffer.from([0, 0, 0])],
      ['TRUNCATED', () => good.value.subarray(0, good.value.length - 3)],
      ['BODY_MISMATCH', () => Buffer.concat([good.value, Buffer.from([0])])],
      // A union branch index that does not exist (causationId is [null, string]).
      ['BODY_MISMATCH', () => corruptUnion(good.value)],
    ])('%s', async (code, value) => {
      expect(await codeOf(serde.decode(value(), good.headers, LOCAL))).toBe(code);
    });

    it('BODY_MISMATCH, not an out-of-memory crash, for an array claiming 2^31 items', async () => {
      const e = sampleEvents()['io.meridian.profile.v1.TagAdded'];
      const out = await serde.encode({ ...e, envelope: { ...e.envelope, observed: ['zz:1'] } });
      const at = out.value.indexOf(Buffer.from('zz:1'));
      expect(out.value[at - 2]).toBe(0x02); // block count 1 (zig-zag), then the string length
      const huge = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10]); // zig-zag varint of 2^31
      const value = Buffer.concat([out.value.subarray(0, at - 2), huge, out.value.subarray(at - 1)]);
      const started = Date.now();
      expect(await codeOf(serde.decode(value, out.headers, LOCAL))).toBe('BODY_MISMATCH');
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('TRUNCATED for an empty record (tombstone)', async () => {
      expect(await codeOf(serde.decode(null, good.headers, LOCAL))).toBe('TRUNCATED');
    });

    it('UNKNOWN_SCHEMA (retriable) for a fingerprint the local registry does not have yet', async () => {
      const headers = { ...good.headers, [FINGERPRINT_HEADER]: 'f'.repeat(64) };
      await expect(serde.decode(good.value, headers, MIRRORED)).rejects.toMatchObject({
        code: 'UNKNOWN_SCHEMA',
        retriable: true,
      });
    });

    it('UNKNOWN_SCHEMA (retriable) for an id the local registry does not have', async () => {
      const value = Buffer.from(good.value);
      value.writeInt32BE(9_999, 1);
      await expect(serde.decode(value, undefined, LOCAL)).rejects.toMatchObject({
        code: 'UNKNOWN_SCHEMA',
        retriable: true,
      });
    });

    it('UNKNOWN_SCHEMA when the producer schema is not registered', async () => {
      const s = new EventSerde({ registry: new InMemorySchemaRegistry() });
      expect(await codeOf(s.encode(sampleEvents()['io.meridian.profile.v1.TagAdded']))).toBe(
        'UNKNOWN_SCHEMA',
      );
    });

    it.each([
      [
        'envelope.hlc.wallMs',
        (e: TagAdded) => ({ ...e, envelope: { ...e.envelope, hlc: { ...e.envelope.hlc, wallMs: 'x' } } }),
      ],
      [
        'envelope.hlc.logical',
        (e: TagAdded) => ({
          ...e,
          envelope: { ...e.envelope, hlc: { ...e.envelope.hlc, logical: 2 ** 31 } },
        }),
      ],
      ['envelope.seq', (e: TagAdded) => ({ ...e, envelope: { ...e.envelope, seq: 2 ** 60 } })],
      ['envelope.observed.1', (e: TagAdded) => ({ ...e, envelope: { ...e.envelope, observed: ['a:1', 3] } })],
      ['envelope.eventId', (e: TagAdded) => ({ ...e, envelope: { ...e.envelope, eventId: 'nope' } })],
      [
        'envelope.aggregateType',
        (e: TagAdded) => ({ ...e, envelope: { ...e.envelope, aggregateType: 'order' } }),
      ],
      ['envelope.seq', (e: TagAdded) => ({ ...e, envelope: { ...e.envelope, seq: 0 } })],
      ['tag', (e: TagAdded) => ({ ...e, tag: undefined })],
      ['type', (e: TagAdded) => ({ ...e, type: 'io.meridian.profile.v1.Nope' })],
    ])('INVALID_EVENT naming %s', async (path, mutate) => {
      const bad = mutate(sampleEvents()['io.meridian.profile.v1.TagAdded']) as unknown as MeridianEvent;
      const err = await serde.encode(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidEventError);
      expect(err).toMatchObject({ code: 'INVALID_EVENT', path, retriable: false });
      expect((err as Error).message).toContain(path);
    });

    it('dead-letter headers carry the reason, code and source position', async () => {
      const err = await serde.decode(Buffer.from([7, 0, 0, 0, 0]), {}, LOCAL).catch((e: unknown) => e);
      expect(
        deadLetterHeaders(err, { topic: 'us-east.meridian.profile', partition: 3, offset: '42' }),
      ).toEqual({
        'meridian-dlq-reason': expect.stringContaining('magic byte 7'),
        'meridian-dlq-code': 'BAD_MAGIC_BYTE',
        'meridian-dlq-retriable': 'false',
        'meridian-dlq-source-topic': 'us-east.meridian.profile',
        'meridian-dlq-source-partition': '3',
        'meridian-dlq-source-offset': '42',
      });
      expect(
        deadLetterHeaders(new TypeError('bug'), { topic: 't', partition: 0, offset: '0' }),
      ).toMatchObject({
        'meridian-dlq-code': 'UNEXPECTED',
      });
    });
  });

  it('surfaces registry outages as retriable REGISTRY_UNAVAILABLE', async () => {
    const { ConfluentSchemaRegistry } = await import('./confluent-registry');
    const serde = new EventSerde({
      registry: new ConfluentSchemaRegistry({ url: 'http://127.0.0.1:9', requestTimeoutMs: 500 }),
    });
    await expect(serde.encode(sampleEvents()['io.meridian.profile.v1.TagAdded'])).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    // Records written by this build's own schemas decode without the registry at all.
    const { serde: east } = await region('us-east', 1);
    const out = await east.encode(sampleEvents()['io.meridian.profile.v1.TagAdded']);
    expect((await serde.decode(out.value, out.headers, MIRRORED)).type).toBe(
      'io.meridian.profile.v1.TagAdded',
    );
  });

  it('uses a fresh envelope per sample', () => {
    expect(envelope().seq).not.toBe(envelope().seq);
  });
});

function generatedText(name: string): string {
  return (generatedReaders().find((r) => r.fullName === name) as ReaderSchema).text;
}

/** Sets the causationId union index (right after the fixed-position envelope fields) to 5. */
function corruptUnion(value: Buffer): Buffer {
  const copy = Buffer.from(value);
  const marker = Buffer.from('flow-7'); // correlationId follows causationId (null: one 0x00 byte)
  const at = copy.indexOf(marker);
  copy[at - 3] = 0x0a; // causationId branch index (zig-zag 5)
  return copy;
}
