import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTypes, GENERATED_HEADER } from './codegen';
import { findSchemasDir, loadSchemaDir } from './schema-set';

describe('generated types', () => {
  it('are fresh: regenerating from schemas/ gives the committed files byte for byte', () => {
    const files = generateTypes(loadSchemaDir(findSchemasDir(__dirname)));
    const dir = join(__dirname, 'generated');
    const committed = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(committed.sort()).toEqual([...files.keys()].sort());
    for (const [name, text] of files) {
      // On failure: run `npm run gen:types` (or `meridian schemas gen`) and commit the result.
      expect({ name, text: readFileSync(join(dir, name), 'utf8') }).toEqual({ name, text });
    }
  });

  it('mark every file as generated and emit the discriminated union', () => {
    const files = generateTypes(loadSchemaDir(findSchemasDir(__dirname)));
    for (const text of files.values()) expect(text.startsWith(GENERATED_HEADER)).toBe(true);
    expect(files.get('profile-v1.ts')).toContain('export type ProfileEvent =');
    expect(files.get('profile-v1.ts')).toContain("readonly type: 'io.meridian.profile.v1.TagAdded';");
    expect(files.get('envelope-v1.ts')).toContain('readonly observed: readonly string[];');
  });
});
