/**
 * `npm run packages`: builds the libs of `dev/build/packages.json` as npm packages
 * (`dist/packages/meridian-<name>-<version>.tgz`), the way a team's service depends on them.
 *
 * Each package holds its lib's compiled JavaScript and declarations (`tsc -p tsconfig.packages.json`,
 * which keeps `@meridian/<lib>` imports bare so they resolve to the sibling packages), a
 * `package.json` whose dependencies are read off what the compiled files import (a lib cannot
 * forget one), and a README listing its public API from the doc comments of its `index.ts`.
 * Written here rather than with a monorepo publisher: the repository is one npm project with path
 * aliases, and what the packages need is only this mapping (docs/adr/0005).
 */
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

export interface PackageSpec {
  readonly name: string;
  /** The lib's directory (its sources are `<dir>/src`, its public API `<dir>/src/index.ts`). */
  readonly dir: string;
}

export interface ApiEntry {
  readonly name: string;
  readonly kind: string;
  readonly summary: string;
}

export interface BuiltPackage {
  readonly name: string;
  readonly tarball: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly api: readonly ApiEntry[];
}

const SCOPE = '@meridian';
const BUILTINS = new Set(builtinModules);

/** Every module specifier a compiled `.js` requires or a `.d.ts` imports. */
export function specifiersOf(text: string): string[] {
  const out = new Set<string>();
  const patterns = [
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
    /\bfrom\s+["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*import\s+["']([^"']+)["']/gm,
  ];
  for (const p of patterns) for (const m of text.matchAll(p)) out.add(m[1]!);
  return [...out];
}

/** The package a bare specifier names (`@scope/name/deep` → `@scope/name`); undefined for relative and built-in ones. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

/** `@types/x` for `x`, `@types/scope__x` for `@scope/x`. */
export function typesPackageOf(name: string): string {
  return name.startsWith('@') ? `@types/${name.slice(1).replace('/', '__')}` : `@types/${name}`;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

interface RootManifest {
  version: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function kindOf(decl: ts.Declaration | undefined): string {
  if (!decl) return 'value';
  if (ts.isClassDeclaration(decl)) return 'class';
  if (ts.isFunctionDeclaration(decl)) return 'function';
  if (ts.isInterfaceDeclaration(decl)) return 'interface';
  if (ts.isTypeAliasDeclaration(decl)) return 'type';
  if (ts.isEnumDeclaration(decl)) return 'enum';
  if (ts.isVariableDeclaration(decl)) return 'const';
  return 'value';
}

/** The public API of each index: every export's kind and the first paragraph of its doc comment. */
export function publicApi(root: string, specs: readonly PackageSpec[]): Map<string, ApiEntry[]> {
  const configPath = join(root, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(configPath, (p) => ts.sys.readFile(p)).config,
    ts.sys,
    root,
  );
  const indexes = specs.map((s) => join(root, s.dir, 'src', 'index.ts'));
  const program = ts.createProgram(indexes, { ...parsed.options, noEmit: true, incremental: false });
  const checker = program.getTypeChecker();
  const out = new Map<string, ApiEntry[]>();
  specs.forEach((spec, i) => {
    const file = program.getSourceFile(indexes[i]!);
    const module = file && checker.getSymbolAtLocation(file);
    if (!module) throw new Error(`${spec.dir}/src/index.ts: not a module`);
    const entries = checker.getExportsOfModule(module).map((exported): ApiEntry => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decl = target.declarations?.[0];
      const kind = kindOf(decl);
      const doc = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
      let summary = (doc.split(/\n\s*\n/)[0] ?? '').replace(/\s+/g, ' ');
      // A function without a comment is still described by its signature.
      if (!summary && decl && ts.isFunctionDeclaration(decl)) {
        const signature = checker.getSignatureFromDeclaration(decl);
        if (signature) summary = `\`${checker.signatureToString(signature)}\``;
      }
      summary = summary.replace(/\|/g, '\\|');
      return { name: exported.getName(), kind, summary };
    });
    out.set(
      spec.name,
      entries.sort((a, b) => a.name.localeCompare(b.name)),
    );
  });
  return out;
}

function readme(
  name: string,
  description: string,
  deps: Record<string, string>,
  api: readonly ApiEntry[],
): string {
  const internal = Object.keys(deps).filter((d) => d.startsWith(`${SCOPE}/`));
  const lines = [
    `# ${SCOPE}/${name}`,
    '',
    description,
    '',
    `Part of Meridian (see its \`docs/packages.md\` and \`docs/adopting.md\`). Built by \`npm run packages\`; install the tarball with its sibling packages.`,
    '',
    internal.length
      ? `Depends on: ${internal.map((d) => `\`${d}\``).join(', ')}.`
      : 'Depends on no other Meridian package.',
    '',
    '## Public API',
    '',
    '| export | kind | what it is |',
    '| ------ | ---- | ---------- |',
    ...api.map((e) => `| \`${e.name}\` | ${e.kind} | ${e.summary} |`),
    '',
  ];
  return lines.join('\n');
}

/** Builds every package into `outDir`; `buildDir` holds the output of `tsc -p tsconfig.packages.json`. */
export function buildPackages(
  root: string,
  specs: readonly PackageSpec[],
  buildDir: string,
  outDir: string,
): BuiltPackage[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as RootManifest;
  const known = { ...manifest.devDependencies, ...manifest.dependencies };
  const names = new Set(specs.map((s) => `${SCOPE}/${s.name}`));
  const api = publicApi(root, specs);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'stage'), { recursive: true });
  const built: BuiltPackage[] = [];
  for (const spec of specs) {
    const compiled = join(buildDir, spec.dir, 'src');
    if (!existsSync(compiled)) throw new Error(`${compiled}: not built (run tsc -p tsconfig.packages.json)`);
    const stage = join(outDir, 'stage', spec.name);
    cpSync(compiled, join(stage, 'dist'), { recursive: true });
    // Assets beside the sources (schemas and the like) travel with the code.
    const sources = join(root, spec.dir, 'src');
    for (const f of filesUnder(sources))
      if (!f.endsWith('.ts')) {
        const to = join(stage, 'dist', relative(sources, f));
        mkdirSync(dirname(to), { recursive: true });
        cpSync(f, to);
      }

    const dependencies: Record<string, string> = {};
    for (const file of filesUnder(join(stage, 'dist')).filter((f) => /\.(js|d\.ts)$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      for (const s of specifiersOf(text)) {
        // A relative import out of the lib is an alias the repository's build rewrote (tsc-alias runs
        // over all of dist/): the package would not load. Rebuild with tsconfig.packages.json.
        if (s.startsWith('.') && relative(join(stage, 'dist'), join(dirname(file), s)).startsWith('..'))
          throw new Error(
            `${SCOPE}/${spec.name} (${relative(stage, file)}) imports ${s}, outside the lib: ${buildDir} was rewritten by \`npm run build\`; run \`npm run packages\``,
          );
        const dep = packageNameOf(s);
        if (!dep || dep === `${SCOPE}/${spec.name}`) continue;
        if (dep.startsWith(`${SCOPE}/`)) {
          if (!names.has(dep))
            throw new Error(
              `${SCOPE}/${spec.name} (${relative(stage, file)}) imports ${dep}, which is not a package: add it to dev/build/packages.json`,
            );
          dependencies[dep] = manifest.version;
          continue;
        }
        const range = known[dep] ?? installedRange(root, dep);
        if (!range)
          throw new Error(`${SCOPE}/${spec.name} imports ${dep}, which this repository does not install`);
        dependencies[dep] = range;
        // Public declarations that name an untyped package's types need them installed too.
        const types = typesPackageOf(dep);
        if (file.endsWith('.d.ts') && known[types]) dependencies[types] = known[types];
      }
    }
    const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
    const index = readFileSync(join(sources, 'index.ts'), 'utf8');
    const said = /^\/\/ Public API of @meridian\/[\w-]+: (.*)$/m.exec(index)?.[1]?.trim();
    if (!said)
      throw new Error(
        `${spec.dir}/src/index.ts: no "// Public API of ${SCOPE}/${spec.name}: …" line to describe it`,
      );
    const description = said.charAt(0).toUpperCase() + said.slice(1);
    const entries = api.get(spec.name) ?? [];
    writeFileSync(
      join(stage, 'package.json'),
      `${JSON.stringify(
        {
          name: `${SCOPE}/${spec.name}`,
          version: manifest.version,
          description,
          license: manifest.license,
          engines: manifest.engines,
          main: 'dist/index.js',
          types: 'dist/index.d.ts',
          files: ['dist', 'README.md'],
          dependencies: sorted,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(join(stage, 'README.md'), readme(spec.name, description, sorted, entries));
    const tarball = execFileSync('npm', ['pack', stage, '--pack-destination', outDir, '--silent'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop()!;
    built.push({
      name: `${SCOPE}/${spec.name}`,
      tarball: join(outDir, tarball),
      dependencies: sorted,
      api: entries,
    });
  }
  writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(built, null, 2)}\n`);
  return built;
}

function installedRange(root: string, dep: string): string | undefined {
  const path = join(root, 'node_modules', dep, 'package.json');
  if (!existsSync(path)) return undefined;
  return `^${(JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version}`;
}

export function packageSpecs(root: string): PackageSpec[] {
  return (
    JSON.parse(readFileSync(join(root, 'dev', 'build', 'packages.json'), 'utf8')) as {
      packages: PackageSpec[];
    }
  ).packages;
}

if (require.main === module) {
  const root = join(__dirname, '..', '..', '..');
  const built = buildPackages(
    root,
    packageSpecs(root),
    join(root, 'dist', 'packages-build'),
    join(root, 'dist', 'packages'),
  );
  for (const p of built)
    console.log(
      `${p.name.padEnd(22)} ${relative(root, p.tarball)}  (${p.api.length} exports, ${Object.keys(p.dependencies).length} dependencies)`,
    );
}
