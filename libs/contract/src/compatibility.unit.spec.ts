import { checkAgainstPrevious, checkAgainstVersions } from './compatibility';
import { IncompatibleSchemaError } from './errors';
import { variant } from './fixtures.spec-helper';
import { InMemorySchemaRegistry } from './in-memory-registry';
import {
  checkSchemaChanges,
  DEFAULT_COMPATIBILITY,
  parseCompatibilityConfig,
  registerAll,
} from './registration';
import { findSchemasDir, loadSchemaFiles, readSchemaDir } from './schema-set';
import { generatedReaders, type ReaderSchema } from './serde';

const TAG = 'io.meridian.profile.v1.TagAdded';
const tag = (): ReaderSchema => generatedReaders().find((r) => r.fullName === TAG) as ReaderSchema;
const edit = (fn: (f: Record<string, unknown>[]) => Record<string, unknown>[]): string =>
  variant(tag(), fn).text;

describe('checkAgainstPrevious (no registry)', () => {
  it('BACKWARD accepts a field added with a default and a removed field', () => {
    const added = edit((f) => [...f, { name: 'source', type: 'string', default: 'web' }]);
    expect(checkAgainstPrevious(tag().text, added, 'BACKWARD')).toEqual({ compatible: true, messages: [] });
    expect(checkAgainstPrevious(added, tag().text, 'BACKWARD').compatible).toBe(true);
  });

  it('names the field whose type changed', () => {
    const r = checkAgainstPrevious(
      tag().text,
      edit((f) => f.map((x) => (x.name === 'tag' ? { ...x, type: 'int' } : x))),
    );
    expect(r).toEqual({
      compatible: false,
      messages: ['io.meridian.profile.v1.TagAdded: field `tag` changed type string -> int'],
    });
  });

  it('names a field added without a default', () => {
    const r = checkAgainstPrevious(
      tag().text,
      edit((f) => [...f, { name: 'x', type: 'string' }]),
    );
    expect(r.messages).toEqual(['io.meridian.profile.v1.TagAdded: field `x` added without a default']);
  });

  it('names nested envelope fields by path', () => {
    const t = JSON.parse(tag().text);
    t.fields[0].type.fields.find((f: { name: string }) => f.name === 'hlc').type.fields[0].type = 'string';
    expect(checkAgainstPrevious(tag().text, JSON.stringify(t)).messages).toEqual([
      'io.meridian.profile.v1.TagAdded: field `envelope.hlc.wallMs` changed type long -> string',
    ]);
  });

  it('allows int -> long promotion BACKWARD but not FORWARD', () => {
    const asInt = edit((f) => [...f, { name: 'n', type: 'int', default: 0 }]);
    const asLong = edit((f) => [...f, { name: 'n', type: 'long', default: 0 }]);
    expect(checkAgainstPrevious(asInt, asLong, 'BACKWARD').compatible).toBe(true);
    expect(checkAgainstPrevious(asInt, asLong, 'FORWARD').messages).toEqual([
      'io.meridian.profile.v1.TagAdded: field `n` changed type int -> long',
    ]);
  });

  it('FORWARD and FULL flag a removed field old readers require', () => {
    const removed = edit((f) => f.filter((x) => x.name !== 'tag'));
    expect(checkAgainstPrevious(tag().text, removed, 'BACKWARD').compatible).toBe(true);
    expect(checkAgainstPrevious(tag().text, removed, 'FULL').messages).toEqual([
      'io.meridian.profile.v1.TagAdded: field `tag` removed but old readers need it (it has no default)',
    ]);
  });

  it('names enum symbols removed', () => {
    const pfc = generatedReaders().find((r) => r.fullName.endsWith('ProfileFieldChanged')) as ReaderSchema;
    const fewer = variant(pfc, (f) =>
      f.map((x) => (x.name === 'field' ? { ...x, type: { ...(x.type as object), symbols: ['email'] } } : x)),
    );
    expect(checkAgainstPrevious(pfc.text, fewer.text).messages).toEqual([
      'io.meridian.profile.v1.ProfileFieldChanged: field `field`: enum ProfileField removed symbol(s) displayName, locale (no enum default)',
    ]);
  });

  it('transitive modes check every earlier version', () => {
    const v1 = tag().text;
    const v2 = edit((f) => f.filter((x) => x.name !== 'tag'));
    const v3 = edit((f) =>
      f.filter((x) => x.name !== 'tag').concat({ name: 'tag', type: 'int', default: 0 }),
    );
    expect(checkAgainstVersions([v1, v2], v3, 'BACKWARD').compatible).toBe(true);
    expect(checkAgainstVersions([v1, v2], v3, 'BACKWARD_TRANSITIVE').messages).toEqual([
      'io.meridian.profile.v1.TagAdded: field `tag` changed type string -> int',
    ]);
  });
});

describe('registry and git-base checks', () => {
  it('registerAll is idempotent and the registry rejects a breaking version naming the field', async () => {
    const registry = new InMemorySchemaRegistry();
    const first = await registerAll(registry);
    expect(await registerAll(registry)).toEqual(first);
    expect(await registry.listVersions(TAG)).toEqual([1]);
    const broken = edit((f) => f.map((x) => (x.name === 'tag' ? { ...x, type: 'int' } : x)));
    await expect(registry.register(TAG, broken)).rejects.toThrow(IncompatibleSchemaError);
    await expect(registry.register(TAG, broken)).rejects.toThrow(/field `tag` changed type string -> int/);
  });

  it('per-subject overrides from compatibility.json are applied', async () => {
    const registry = new InMemorySchemaRegistry();
    const config = parseCompatibilityConfig({ default: 'BACKWARD', subjects: { [TAG]: 'NONE' } });
    await registerAll(registry, { compatibility: config });
    expect(await registry.getCompatibility(TAG)).toBe('NONE');
    expect(await registry.getCompatibility('io.meridian.profile.v1.TagRemoved')).toBe('BACKWARD');
    expect(() => parseCompatibilityConfig({ default: 'SIDEWAYS' })).toThrow(/not a mode/);
  });

  it('checkSchemaChanges compares the working tree with a base version of the files', () => {
    const files = readSchemaDir(findSchemasDir(__dirname));
    const current = loadSchemaFiles(files);
    const changed = new Map(files);
    const tagFile = JSON.parse(files.get('profile/TagAdded.avsc') as string);
    tagFile.fields[1].type = 'int';
    changed.set('profile/TagAdded.avsc', JSON.stringify(tagFile));
    changed.delete('profile/TagRemoved.avsc');

    const r = checkSchemaChanges(current, loadSchemaFiles(changed), DEFAULT_COMPATIBILITY);
    expect(r.ok).toBe(false);
    expect(r.subjects.find((s) => s.subject === TAG)).toMatchObject({
      status: 'incompatible',
      messages: ['io.meridian.profile.v1.TagAdded: field `tag` changed type string -> int'],
    });
    expect(r.subjects.find((s) => s.subject.endsWith('TagRemoved'))?.status).toBe('removed');
    expect(
      checkSchemaChanges(current, current, DEFAULT_COMPATIBILITY).subjects.every(
        (s) => s.status === 'unchanged',
      ),
    ).toBe(true);
    expect(checkSchemaChanges(loadSchemaFiles(new Map()), current, DEFAULT_COMPATIBILITY).ok).toBe(true);
  });
});
