import { join } from 'node:path';
import { Type } from 'avsc';
import { ContractError } from './errors';
import { EVENT_NAMES } from './generated';
import { ENVELOPE_NAME, findSchemasDir, loadSchemaDir, loadSchemaFiles } from './schema-set';

const schemasDir = findSchemasDir(__dirname);

describe('schema loader', () => {
  const set = loadSchemaDir(schemasDir);

  it('finds the repo schemas directory', () => {
    expect(schemasDir).toBe(join(__dirname, '..', '..', '..', 'schemas'));
  });

  it('exposes every profile event, each self-contained with the envelope inlined', () => {
    expect(set.events.map((e) => e.fullName)).toEqual([...EVENT_NAMES]);
    for (const e of set.events) {
      expect(e.aggregateType).toBe('profile');
      // Parses on its own: no reference left to resolve.
      const t = Type.forSchema(JSON.parse(e.text));
      expect(t.name).toBe(e.fullName);
      expect(e.text).toContain(`"name":"Envelope","namespace":"io.meridian.envelope.v1"`);
    }
    expect(set.byName.get(ENVELOPE_NAME)?.aggregateType).toBeUndefined();
  });

  it('documents every field and record', () => {
    const undocumented: string[] = [];
    const walk = (s: unknown, path: string): void => {
      if (Array.isArray(s)) return s.forEach((b) => walk(b, path));
      if (typeof s !== 'object' || s === null) return;
      const o = s as {
        type?: unknown;
        fields?: { name: string; doc?: string; type: unknown }[];
        doc?: string;
      };
      if (o.type === 'record' || o.type === 'enum') {
        if (!o.doc) undocumented.push(path);
        for (const f of o.fields ?? []) {
          if (!f.doc) undocumented.push(`${path}.${f.name}`);
          walk(f.type, `${path}.${f.name}`);
        }
      } else if (o.type !== undefined) walk(o.type, path);
    };
    for (const s of set.schemas) walk(s.resolved, s.fullName);
    expect(undocumented).toEqual([]);
  });

  it('fingerprints the Parsing Canonical Form: docs, defaults and whitespace do not change it', () => {
    const tag = set.byName.get('io.meridian.profile.v1.TagAdded');
    const stripped = JSON.parse(tag?.text ?? '{}', (k, v: unknown) => (k === 'doc' ? undefined : v));
    const reparsed = loadSchemaFiles(
      new Map([
        ['envelope.avsc', JSON.stringify(stripped.fields[0].type)],
        [
          'profile/TagAdded.avsc',
          JSON.stringify(
            { ...stripped, fields: [{ name: 'envelope', type: ENVELOPE_NAME }, stripped.fields[1]] },
            null,
            4,
          ),
        ],
      ]),
    );
    expect(reparsed.byName.get('io.meridian.profile.v1.TagAdded')?.fingerprint).toBe(tag?.fingerprint);
    expect(tag?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resolves short references within a namespace and rejects unknown or duplicate types', () => {
    const ok = loadSchemaFiles(
      new Map([
        [
          'a.avsc',
          '{"type":"record","name":"A","namespace":"n","fields":[{"name":"b","type":"B"},{"name":"c","type":"B"}]}',
        ],
        ['b.avsc', '{"type":"enum","name":"B","namespace":"n","symbols":["X"]}'],
      ]),
    );
    expect(JSON.parse(ok.byName.get('n.A')?.text ?? '')).toMatchObject({
      fields: [{ type: { type: 'enum', name: 'B' } }, { type: 'n.B' }],
    });
    const unknown = (): unknown =>
      loadSchemaFiles(
        new Map([['a.avsc', '{"type":"record","name":"A","fields":[{"name":"b","type":"Nope"}]}']]),
      );
    expect(unknown).toThrow(ContractError);
    expect(unknown).toThrow(/unknown type reference `Nope`/);
    const dup = (): unknown =>
      loadSchemaFiles(
        new Map([
          ['a.avsc', '{"type":"enum","name":"B","symbols":["X"]}'],
          ['b.avsc', '{"type":"enum","name":"B","symbols":["Y"]}'],
        ]),
      );
    expect(dup).toThrow(/defined twice/);
  });
});
