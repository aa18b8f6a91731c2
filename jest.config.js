// One naming scheme, the tier before `.spec.ts`: `*.unit.spec.ts` (no services, beside the code),
// `*.int.spec.ts` (beside the code, real local processes), `test/**/*.e2e.spec.ts` (the whole
// topology), `*.failover.spec.ts` (Phase A topology), `*.chaos.spec.ts` (seeded fault scenarios).
// Helpers beside the code that are not suites themselves: `*.spec-helper.ts`.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  rootDir: __dirname,
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/.meridian', '<rootDir>/.meridian-test'],
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,dev,bench}/**/*.unit.spec.ts'] },
    {
      ...base,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs,dev}/**/*.int.spec.ts', '<rootDir>/test/**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup-int.ts'],
      slowTestThreshold: 30,
    },
    {
      // Phase A (active-passive topology): split-brain and failover drills.
      ...base,
      displayName: 'failover',
      testMatch: ['<rootDir>/test/failover/**/*.failover.spec.ts'],
      globals: { MERIDIAN_TOPOLOGY: 'active-passive' },
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup-int.ts'],
    },
    {
      // `npm run test:chaos`: seeded fault scenarios on the real topology (test/chaos/run.js).
      ...base,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.chaos.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
