import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The libs published as packages (dev/build/packages.json): all a team's service may import.
const PACKAGES = JSON.parse(
  readFileSync(new URL('./dev/build/packages.json', import.meta.url), 'utf8'),
).packages.map((p) => `@meridian/${p.name}`);

const publicIndexOnly = {
  group: ['@meridian/*/*'],
  message: 'Import a lib only through its public index: @meridian/<lib>.',
};

// The tiers (docs/INTERNALS.md opens with the map): what a deployed process loads (the runtime libs
// in libs/ and the apps below) never reaches the development tier (dev/: the local launcher, the
// WAN, the test helpers), the CLI, the tests or the benches, by alias or by relative path.
const DEPLOYED = [
  'libs/**/*.ts',
  'apps/projector/**/*.ts',
  'apps/profile-service/**/*.ts',
  'apps/gateway/**/*.ts',
  'apps/replication-monitor/**/*.ts',
  'apps/inventory-service/**/*.ts',
];
const developmentTier = {
  group: [
    '@meridian/local',
    '@meridian/testing',
    '@meridian/wan',
    '**/dev/**',
    '**/test/**',
    '**/bench/**',
    '**/apps/cli/**',
    '**/apps/*/src/**',
  ],
  message:
    'A deployed process (runtime libs and the projector, profile-service, gateway, monitor and inventory apps) must not load the development tier (dev/: launcher, WAN, test helpers), the CLI, tests, benches or another app. Move what you need into a runtime lib.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.meridian/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [publicIndexOnly] }],
    },
  },
  {
    files: DEPLOYED,
    // Specs and their helpers are tests: they may use the test helpers.
    ignores: ['**/*.spec.ts', '**/*.spec-helper.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [publicIndexOnly, developmentTier] }],
    },
  },
  {
    // The inventory service is built like an outside team's: Meridian's published packages only,
    // nothing reached by relative path out of its own directory.
    files: ['apps/inventory-service/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.spec-helper.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            publicIndexOnly,
            developmentTier,
            {
              group: ['@meridian/*', ...PACKAGES.map((p) => `!${p}`), '../../*'],
              message:
                'The inventory service may use only the published packages (dev/build/packages.json), as an outside team would.',
            },
          ],
        },
      ],
    },
  },
);
