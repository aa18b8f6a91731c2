/**
 * Regenerates libs/contract/src/generated from schemas/**\/*.avsc. After `tsc`:
 *   node dist/libs/contract/scripts/gen-types.js [--check] [--schemas <dir>]
 * `--check` writes nothing and exits 1 when the committed files are stale (CI).
 */
import { writeGeneratedTypes } from '../src/generate';
import { findSchemasDir } from '../src/schema-set';

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const at = argv.indexOf('--schemas');
  const schemasDir = at >= 0 && argv[at + 1] ? argv[at + 1] : findSchemasDir(process.cwd());
  const res = writeGeneratedTypes(schemasDir as string, undefined, { check });
  if (res.stale.length === 0) {
    console.log('generated types are up to date');
    return 0;
  }
  if (check) {
    console.error(`generated types are stale: ${res.stale.join(', ')}; run \`npm run gen:types\``);
    return 1;
  }
  console.log(`regenerated ${res.stale.join(', ')}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
