/**
 * Build step: copies every `.avsc` under `apps/` and `dev/` to the same place under `dist/`, so a
 * model module that loads its schemas from beside itself (`loadModelSchemas(join(__dirname, …))`)
 * finds them when run from the build as from the source tree. tsc copies no such files.
 */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..');
let copied = 0;
const walk = (dir: string): void => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path);
    else if (e.name.endsWith('.avsc')) {
      cpSync(path, join(root, 'dist', relative(root, path)));
      copied += 1;
    }
  }
};
for (const top of ['apps', 'dev']) if (existsSync(join(root, top))) walk(join(root, top));
console.log(`copied ${copied} model schemas into dist/`);
