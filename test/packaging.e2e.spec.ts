/**
 * Meridian as an outside team gets it: `npm run packages` builds the libs as npm tarballs; a
 * directory outside this repository installs them from the inventory service's own manifest
 * (`apps/inventory-service/package.json`), compiles the service's sources with its standalone
 * tsconfig (no path aliases, library declarations checked), and the result runs against the real
 * topology: its writes are projected here and mirrored to another region.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadApiClient } from '@meridian/read-api';
import { LOCAL_APPS, LOCAL_REGIONS, LOCAL_REGISTRIES, uniqueName, waitFor } from '@meridian/testing';

const root = join(__dirname, '..');
const serviceDir = join(root, 'apps', 'inventory-service');
const MINUTE = 60_000;

interface Built {
  name: string;
  tarball: string;
  dependencies: Record<string, string>;
}
interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides?: Record<string, string>;
}

const run = (cmd: string, args: string[], cwd: string, timeoutMs: number) =>
  execFileSync(cmd, args, { cwd, timeout: timeoutMs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('the packages, installed and used the way an outside team does', () => {
  let dir: string;
  let built: Built[];
  let service: ChildProcess | undefined;
  let serviceLog = '';

  beforeAll(() => {
    // `npm test` has built the repository; the packages' own build keeps @meridian imports bare.
    run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.packages.json'], root, 10 * MINUTE);
    run(process.execPath, [join(root, 'dist', 'dev', 'build', 'pack.js')], root, 5 * MINUTE);
    built = JSON.parse(readFileSync(join(root, 'dist', 'packages', 'index.json'), 'utf8')) as Built[];
    dir = mkdtempSync(join(tmpdir(), 'meridian-team-'));
  }, 15 * MINUTE);

  afterAll(async () => {
    if (service && service.exitCode === null) {
      const exited = new Promise((r) => service!.once('exit', r));
      service.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every package declares what its compiled files import, and each depends only on packaged Meridian libs', () => {
    const names = new Set(built.map((b) => b.name));
    expect(names.size).toBeGreaterThanOrEqual(6);
    for (const want of [
      '@meridian/publisher',
      '@meridian/projector',
      '@meridian/merge',
      '@meridian/contract',
    ])
      expect(names).toContain(want);
    for (const b of built) {
      expect(existsSync(b.tarball)).toBe(true);
      for (const dep of Object.keys(b.dependencies).filter((d) => d.startsWith('@meridian/')))
        expect({ package: b.name, dep, packaged: names.has(dep) }).toEqual({
          package: b.name,
          dep,
          packaged: true,
        });
    }
    // The team's manifest names only published packages.
    const manifest = JSON.parse(readFileSync(join(serviceDir, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((d) =>
      d.startsWith('@meridian/'),
    ))
      expect(names).toContain(dep);
  });

  it(
    'installs from the tarballs outside the repository, compiles the service without path aliases, and its writes are projected and mirrored',
    async () => {
      const tarballs = Object.fromEntries(built.map((b) => [b.name, `file:${b.tarball}`]));
      const manifest = JSON.parse(readFileSync(join(serviceDir, 'package.json'), 'utf8')) as Manifest;
      const pin = (deps: Record<string, string>) =>
        Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, tarballs[k] ?? v]));
      // What a team does with a private registry, done with files: every @meridian/* from the tarballs.
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify(
          {
            ...manifest,
            dependencies: pin(manifest.dependencies),
            devDependencies: pin(manifest.devDependencies),
            overrides: tarballs,
          },
          null,
          2,
        ),
      );
      cpSync(join(serviceDir, 'src'), join(dir, 'src'), { recursive: true });
      cpSync(join(serviceDir, 'schemas'), join(dir, 'schemas'), { recursive: true });
      cpSync(join(serviceDir, 'tsconfig.standalone.json'), join(dir, 'tsconfig.standalone.json'));

      run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
        dir,
        12 * MINUTE,
      );
      // Every Meridian package the service uses resolves inside its directory, installed from a
      // tarball (a copy, not a link back into this repository).
      const direct = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((d) =>
        d.startsWith('@meridian/'),
      );
      for (const name of direct)
        expect(require.resolve(`${name}/package.json`, { paths: [dir] })).toBe(
          join(dir, 'node_modules', name, 'package.json'),
        );
      const installed = readdirSync(join(dir, 'node_modules', '@meridian'));
      expect(installed.length).toBeGreaterThanOrEqual(direct.length);
      for (const name of installed)
        expect({
          name,
          link: lstatSync(join(dir, 'node_modules', '@meridian', name)).isSymbolicLink(),
        }).toEqual({
          name,
          link: false,
        });
      // The service's own build: strict, no paths, declarations of every installed package checked.
      run(
        process.execPath,
        [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.standalone.json'],
        dir,
        5 * MINUTE,
      );

      const port = await freePort();
      service = spawn(process.execPath, [join(dir, 'dist', 'main.js')], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          REGION: 'us-east',
          KAFKA_BROKERS: LOCAL_REGIONS['us-east'],
          REGISTRY_URL: LOCAL_REGISTRIES['us-east'],
          PROJECTOR_URL: LOCAL_APPS['us-east'].projector,
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      service.stdout!.on('data', (d: Buffer) => (serviceLog += d.toString()));
      service.stderr!.on('data', (d: Buffer) => (serviceLog += d.toString()));
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          if (service!.exitCode !== null) throw new Error(`the packaged service exited: ${serviceLog}`);
          return (await fetch(`${url}/health`).catch(() => undefined))?.ok === true;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 200,
          description: 'the packaged inventory service to answer /health',
        },
      );

      const sku = uniqueName('sku-pkg');
      const send = async (method: string, path: string, body: unknown) => {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect({ path, status: res.status, body: await res.json() }).toMatchObject({ path, status: 200 });
      };
      await send('PUT', `/items/${sku}`, { title: 'Packaged kettle' });
      await send('POST', `/items/${sku}/stock`, { warehouse: 'fra-1', delta: 7 });
      // Invalid input from the packaged build: 400 naming the field, as in the repository's build.
      const bad = await fetch(`${url}/items/${sku}/stock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ warehouse: 'fra-1', delta: 'seven' }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/^delta /);

      for (const region of ['us-east', 'us-west'] as const) {
        const reader = new ReadApiClient(LOCAL_APPS[region].projector, { timeoutMs: 5_000 });
        const view = await waitFor(
          async () => {
            const v = await reader.aggregate('inventory', sku);
            const stock = (v?.view?.stock as Record<string, number> | undefined)?.['fra-1'];
            return stock === 7 ? v : false;
          },
          { timeoutMs: 30_000, intervalMs: 100, description: `${sku} folded in ${region}` },
        );
        expect(view.view?.title).toBe('Packaged kettle');
      }
      // And read back through the packaged service (its read-api client, from the package).
      const read = await fetch(`${url}/items/${sku}`);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ sku, stock: { 'fra-1': 7 } });
    },
    25 * MINUTE,
  );
});
