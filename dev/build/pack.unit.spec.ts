import { join } from 'node:path';
import { packageNameOf, packageSpecs, publicApi, specifiersOf, typesPackageOf } from './pack';

const root = join(__dirname, '..', '..');

describe('the packer', () => {
  it('reads every import of compiled JavaScript and of declarations', () => {
    const js = `const a = require("@meridian/merge");\nconst b = require('kafkajs');\nrequire("./local");`;
    const dts = `import type { X } from '@meridian/store';\nexport { Y } from "pino";\ntype Z = import('prom-client').Registry;\nimport 'reflect-metadata';`;
    expect(specifiersOf(js).sort()).toEqual(['./local', '@meridian/merge', 'kafkajs']);
    expect(specifiersOf(dts).sort()).toEqual(['@meridian/store', 'pino', 'prom-client', 'reflect-metadata']);
  });

  it('names the package of a specifier, and none for relative or built-in modules', () => {
    expect(packageNameOf('@nestjs/common/decorators')).toBe('@nestjs/common');
    expect(packageNameOf('zod/v4')).toBe('zod');
    expect(packageNameOf('./define')).toBeUndefined();
    expect(packageNameOf('node:path')).toBeUndefined();
    expect(packageNameOf('path')).toBeUndefined();
    expect(typesPackageOf('pg')).toBe('@types/pg');
    expect(typesPackageOf('@scope/x')).toBe('@types/scope__x');
  });

  it('lists each package index: the user-facing packages are there, with their doc comments', () => {
    const specs = packageSpecs(root);
    for (const name of ['publisher', 'projector', 'merge', 'contract', 'domain', 'harness'])
      expect(specs.map((s) => s.name)).toContain(name);
    const api = publicApi(
      root,
      specs.filter((s) => s.name === 'domain'),
    );
    const define = api.get('domain')?.find((e) => e.name === 'defineAggregate');
    expect(define).toEqual({
      name: 'defineAggregate',
      kind: 'function',
      summary: expect.stringMatching(/^Declares an aggregate/),
    });
  }, 60_000);
});
