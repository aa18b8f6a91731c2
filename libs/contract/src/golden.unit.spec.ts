/**
 * Golden fixtures: Avro bodies written by earlier schema versions, committed, and decoded by every
 * later build. A schema change that cannot read old data fails here even if it passed the checker.
 * New event types: `UPDATE_GOLDEN=1 npx jest libs/contract/src/golden --selectProjects unit` adds
 * their entries (existing entries are never rewritten), then `npx prettier --write` the file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleEvents } from './fixtures.spec-helper';
import { EVENT_NAMES, type MeridianEvent } from './generated';
import { FINGERPRINT_HEADER, SUBJECT_HEADER } from './headers';
import { InMemorySchemaRegistry } from './in-memory-registry';
import { EventSerde, generatedReaders } from './serde';
import { fingerprintOf, parseAvro } from './schema-set';

interface Golden {
  /** Writer schema as registered when the fixture was written. */
  schema: string;
  fingerprint: string;
  /** Avro body (without the 5-byte wire header: ids are registry-local). */
  bodyHex: string;
  /** What this build must decode it to. */
  decoded: MeridianEvent;
}

const FILE = join(__dirname, '..', 'fixtures', 'golden.json');

function load(): Record<string, Golden> {
  return existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, Golden>) : {};
}

describe('golden fixtures', () => {
  const golden = load();

  if (process.env.UPDATE_GOLDEN) {
    const samples = sampleEvents() as Record<string, MeridianEvent>;
    for (const r of generatedReaders()) {
      if (golden[r.fullName]) continue;
      const type = parseAvro(r.text);
      const decoded = samples[r.fullName] as MeridianEvent;
      golden[r.fullName] = {
        schema: r.text,
        fingerprint: fingerprintOf(type),
        bodyHex: type.toBuffer(decoded).toString('hex'),
        decoded,
      };
    }
    writeFileSync(FILE, `${JSON.stringify(golden, null, 2)}\n`);
  }

  it('covers every event type', () => {
    expect(Object.keys(golden).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it.each(Object.entries(golden))('%s written by an earlier build still decodes', async (subject, g) => {
    const registry = new InMemorySchemaRegistry({ defaultCompatibility: 'NONE' });
    await registry.register(subject, g.schema);
    const value = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), Buffer.from(g.bodyHex, 'hex')]);
    const headers = { [SUBJECT_HEADER]: subject, [FINGERPRINT_HEADER]: g.fingerprint };
    const serde = new EventSerde({ registry });
    expect(await serde.decode(value, headers, { topic: 'us-east.meridian.profile' })).toEqual(g.decoded);
  });
});
