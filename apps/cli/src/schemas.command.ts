import { Command } from 'commander';
import {
  checkAgainstRegistry,
  checkSchemaChanges,
  ConfluentSchemaRegistry,
  ContractError,
  findSchemasDir,
  loadCompatibilityConfig,
  loadSchemaDir,
  loadSchemaFiles,
  readSchemaFilesAtRef,
  registerAll,
  writeGeneratedTypes,
  type CheckReport,
  type SchemaSet,
} from '@meridian/contract';
import { cliLogger } from './logger';
import { UsageError } from './errors';
import { findRepoRoot, loadTopology, registryUrl } from '@meridian/topology';

/** Registries of the shipped local topology (Apicurio's Confluent-compatible API), one per region. */
function localRegistries(): Readonly<Record<string, string>> {
  return Object.fromEntries(
    loadTopology('active-active', findRepoRoot()).regions.flatMap((r) => {
      const url = registryUrl(r);
      return url ? [[r.name, url]] : [];
    }),
  );
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function targets(o: { registry: string[]; region: string[] }): string[] {
  const registries = localRegistries();
  for (const r of o.region) {
    if (!registries[r]) {
      throw new UsageError(
        `--region: unknown region ${r}; known: ${Object.keys(registries).join(', ')} (or pass --registry <url>)`,
      );
    }
  }
  const fromRegions = o.region.map((r) => registries[r] as string);
  const all = [...o.registry, ...fromRegions];
  return all.length > 0 ? [...new Set(all)] : Object.values(registries);
}

function printReport(label: string, r: CheckReport): void {
  console.log(`${label}: ${r.ok ? 'compatible' : 'BREAKING CHANGE'}`);
  for (const s of r.subjects) {
    if (s.status === 'unchanged') continue;
    console.log(`  ${s.status.padEnd(12)} ${s.subject} (${s.mode})`);
    for (const m of s.messages) console.log(`      ${m}`);
  }
  const unchanged = r.subjects.filter((s) => s.status === 'unchanged').length;
  if (unchanged > 0) console.log(`  ${unchanged} subject(s) unchanged`);
}

function warnIfStale(schemasDir: string): boolean {
  const { stale } = writeGeneratedTypes(schemasDir, undefined, { check: true });
  if (stale.length === 0) return false;
  console.error(`generated types are stale (${stale.join(', ')}): run \`meridian schemas gen\` and commit`);
  return true;
}

export function schemasCommand(): Command {
  const schemas = new Command('schemas');

  schemas
    .command('register')
    .description(
      'register every event schema (idempotent) in each reachable registry, setting its compatibility',
    )
    .option(
      '--registry <url>',
      'registry base URL, repeatable (Apicurio: http://host:port/apis/ccompat/v7)',
      collect,
      [],
    )
    .option(
      '--region <name>',
      "a local region's registry, repeatable: us-east, us-west, eu (the shipped topology's regions)",
      collect,
      [],
    )
    .option('--strict', 'fail when any registry is unreachable (default: skip it with a warning)')
    .action(async (o: { registry: string[]; region: string[]; strict?: boolean }) => {
      const log = cliLogger();
      const dir = findSchemasDir();
      const set = loadSchemaDir(dir);
      const compatibility = loadCompatibilityConfig(dir);
      warnIfStale(dir);
      let reached = 0;
      for (const url of targets(o)) {
        const registry = new ConfluentSchemaRegistry({ url });
        try {
          const res = await registerAll(registry, {
            schemas: set.events.map((s) => ({ fullName: s.fullName, text: s.text })),
            compatibility,
          });
          reached += 1;
          console.log(`${url}: ${res.length} subject(s) registered`);
          for (const r of res) console.log(`  ${r.subject} -> id ${r.id}`);
        } catch (e) {
          if (e instanceof ContractError && e.code === 'REGISTRY_UNAVAILABLE' && !o.strict) {
            log.warn(`${url} unreachable, skipped: ${e.message}`);
            continue;
          }
          throw e;
        }
      }
      if (reached === 0)
        throw new ContractError('REGISTRY_UNAVAILABLE', 'no registry was reachable', { retriable: true });
    });

  schemas
    .command('check')
    .description('fail (exit 1), naming the field, on a change that breaks a subject compatibility mode')
    .option('--base <git-ref>', 'compare with the schemas at this git ref', 'HEAD')
    .option('--registry <url>', 'also check against this registry, repeatable', collect, [])
    .action(async (o: { base: string; registry: string[] }) => {
      const dir = findSchemasDir();
      const current: SchemaSet = loadSchemaDir(dir);
      const base = loadSchemaFiles(readSchemaFilesAtRef(dir, o.base));
      const reports: CheckReport[] = [];
      const vsGit = checkSchemaChanges(base, current, loadCompatibilityConfig(dir));
      printReport(`against ${o.base}`, vsGit);
      reports.push(vsGit);
      for (const url of o.registry) {
        const r = await checkAgainstRegistry(new ConfluentSchemaRegistry({ url }), current);
        printReport(`against ${url}`, r);
        reports.push(r);
      }
      const stale = warnIfStale(dir);
      if (stale || reports.some((r) => !r.ok)) process.exitCode = 1;
    });

  schemas
    .command('gen')
    .description('regenerate libs/contract/src/generated from schemas/**/*.avsc')
    .option('--check', 'write nothing; exit 1 when the committed files are stale')
    .action((o: { check?: boolean }) => {
      const dir = findSchemasDir();
      const res = writeGeneratedTypes(dir, undefined, { check: o.check ?? false });
      if (res.stale.length === 0) console.log('generated types are up to date');
      else if (o.check) {
        console.error(`stale: ${res.stale.join(', ')}; run \`meridian schemas gen\``);
        process.exitCode = 1;
      } else console.log(`regenerated ${res.stale.join(', ')}`);
    });

  return schemas;
}
