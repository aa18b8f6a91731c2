import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateTypes } from './codegen';
import { loadSchemaDir } from './schema-set';

/** Where the generated types live in the source tree, given the repo's `schemas/` directory. */
export function generatedDirFor(schemasDir: string): string {
  return join(dirname(schemasDir), 'libs', 'contract', 'src', 'generated');
}

export interface GenerateResult {
  /** Files whose content differs from (or is missing in, or is extra in) `outDir`. */
  readonly stale: string[];
  readonly written: boolean;
}

/** Regenerates `outDir` from `schemasDir`; with `check`, only reports which files are stale. */
export function writeGeneratedTypes(
  schemasDir: string,
  outDir: string = generatedDirFor(schemasDir),
  options: { check?: boolean } = {},
): GenerateResult {
  const files = generateTypes(loadSchemaDir(schemasDir));
  const present = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.ts')) : [];
  const stale = [
    ...[...files].filter(
      ([f, text]) => !present.includes(f) || readFileSync(join(outDir, f), 'utf8') !== text,
    ),
    ...present.filter((f) => !files.has(f) && !f.endsWith('.spec.ts')).map((f) => [f, ''] as const),
  ]
    .map(([f]) => f)
    .sort();
  if (options.check || stale.length === 0) return { stale, written: false };
  mkdirSync(outDir, { recursive: true });
  for (const f of stale) {
    const text = files.get(f);
    if (text === undefined) rmSync(join(outDir, f));
    else writeFileSync(join(outDir, f), text);
  }
  return { stale, written: true };
}
