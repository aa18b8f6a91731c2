#!/usr/bin/env node
// Entry of `npx meridian`: runs the compiled CLI (built by `npm install` through the prepare script).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  console.error(
    'meridian: not built yet; run `npm run build` (npm install does it) in ' + join(__dirname, '..'),
  );
  process.exit(1);
}
require(main);
