import { join } from 'node:path';
import { loadModels, ModelLoadError } from './load';
import { profileModel } from './profile';

const REPO = join(__dirname, '..', '..', '..');
// A model module known to no Meridian code (the e2e fixture), by path as an operator would give it.
const WISHLIST = './dev/testing/src/fixtures/wishlist-model.ts';

describe('loadModels', () => {
  it('serves built-ins and modules by path, with every schema for the serde', () => {
    const set = loadModels(['profile', WISHLIST], REPO);
    expect(set.aggregateTypes).toEqual(['profile', 'wishlist']);
    expect(set.models[0]).toBe(profileModel);
    const names = set.schemas.map((s) => s.fullName);
    expect(names).toContain('io.meridian.wishlist.v1.PriorityChanged');
    expect(names).toContain('io.meridian.profile.v1.TagAdded');
    // Self-contained: the envelope is inlined, so the serde and the registry take them as they are.
    const priority = set.schemas.find((s) => s.fullName === 'io.meridian.wishlist.v1.PriorityChanged');
    expect(priority?.text).toContain('"name":"Envelope"');
  });

  it('refuses two models of one aggregate type, naming both', () => {
    expect(() => loadModels(['profile', 'profile'], REPO)).toThrow(/profile is already served by profile/);
  });

  it('names the entry that is not a model, and how to fix it', () => {
    const fail = (specs: string[]) => {
      try {
        loadModels(specs, REPO);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelLoadError);
        return (e as ModelLoadError).message;
      }
      throw new Error('expected a ModelLoadError');
    };
    expect(fail(['./no/such/model.js'])).toMatch(
      /model "\.\/no\/such\/model\.js": cannot load .*give a built-in/,
    );
    expect(fail(['./package.json'])).toMatch(/exports no model: export `model`/);
    expect(fail([' ', ''])).toMatch(/no model configured/);
  });
});
