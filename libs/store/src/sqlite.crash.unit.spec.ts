/**
 * Crash safety of the SQLite adapter with a real file: a child process commits batches in a loop and
 * is SIGKILLed at random moments (sometimes during start-up and init). After every kill the store
 * is reopened and must be self-consistent: the position, the documents and the counters all say the
 * same batch number, and every batch the child saw committed is there. Seeded: CRASH_SEED replays.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { SqliteProjectionStore } from './index';
import { SLOTS } from './crash-writer.spec-helper';
import { mulberry32 as rng } from '@meridian/random';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 16);
const ROOT = join(__dirname, '..', '..', '..');

/**
 * The child runs the real adapter, so it needs the TypeScript sources as JavaScript: transpile the
 * store lib and the libs it loads once (no type check; tsc covers that) and point their
 * `@meridian/...` imports at them.
 */
const LIBS = ['store', 'merge', 'domain', 'errors', 'contract', 'topology'];

/** `.ts` files under `dir`, relative to it (the contract lib keeps its generated code in a folder). */
function sources(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(dir, join(sub, e.name)) : [join(sub, e.name)],
  );
}

function transpileLibs(out: string): string {
  for (const lib of LIBS.map((l) => `libs/${l}/src`)) {
    for (const f of sources(join(ROOT, lib))) {
      if (
        !f.endsWith('.ts') ||
        f.endsWith('.spec.ts') ||
        (f.endsWith('.spec-helper.ts') && f !== 'crash-writer.spec-helper.ts')
      )
        continue;
      const js = ts.transpileModule(readFileSync(join(ROOT, lib, f), 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
      }).outputText;
      const target = join(out, lib, f.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(
        target,
        js.replace(/require\("@meridian\/([a-z]+)"\)/g, (_whole, name: string) => {
          if (!LIBS.includes(name))
            throw new Error(`the crash writer loads @meridian/${name}: add it to LIBS`);
          const rel = relative(dirname(target), join(out, 'libs', name, 'src', 'index.js'));
          return `require(${JSON.stringify(`./${rel}`)})`;
        }),
      );
    }
  }
  return join(out, 'libs/store/src/crash-writer.spec-helper.js');
}

interface Round {
  lastAcked: number;
  readyAt: number | undefined;
}

/** Runs the child until a random moment, kills it with SIGKILL and resolves once it is gone. */
function runAndKill(script: string, file: string, rand: () => number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const round: Round = { lastAcked: -1, readyAt: undefined };
    const child: ChildProcess = fork(script, [file], {
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    // A quarter of the rounds die during start-up or init; the rest while committing.
    const early = rand() < 0.25;
    const delayMs = early ? rand() * 80 : 5 + rand() * 150;
    let timer: NodeJS.Timeout | undefined = early ? setTimeout(kill, delayMs) : undefined;
    // Deadline, not synchronisation: a child that never reports ready fails the round.
    const deadline = setTimeout(() => {
      kill();
      reject(new Error('crash-writer did not become ready within 10 s'));
    }, 10_000);
    child.on('message', (m: { ready?: number; committed?: number }) => {
      if (m.ready !== undefined) {
        round.readyAt = m.ready;
        round.lastAcked = m.ready;
        if (!early) timer = setTimeout(kill, delayMs);
      }
      if (m.committed !== undefined) round.lastAcked = m.committed;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL')
        reject(new Error(`crash-writer exited with ${code ?? signal} before it was killed`));
      else resolve(round);
    });
  });
}

describe('SQLite store under SIGKILL', () => {
  const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : (Math.random() * 2 ** 31) | 0;
  const dir = mkdtempSync(join(tmpdir(), 'meridian-crash-'));
  let script: string;

  beforeAll(() => {
    console.log(`[crash] seed=${seed} rounds=${ROUNDS} (replay with CRASH_SEED=${seed})`);
    script = transpileLibs(join(dir, 'js'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never leaves positions, documents and counters disagreeing, and loses no acknowledged commit', async () => {
    const rand = rng(seed);
    const file = join(dir, 'crash.db');
    let previous = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { lastAcked } = await runAndKill(script, file, rand);

      const store = new SqliteProjectionStore({ kind: 'sqlite', file });
      await store.init();
      const [p] = await store.positions();
      const n = p ? Number(p.nextOffset) : 0;
      const where = `seed=${seed} round=${round}`;
      // Durable: every batch the child saw committed is there; at most the one in flight beyond it.
      expect({ where, n: n >= previous && n >= lastAcked && n <= Math.max(lastAcked, previous) + 1 }).toEqual(
        {
          where,
          n: true,
        },
      );
      const stats = await store.stats();
      const latest = await store.getDocument('crash', 'latest');
      const slots = await store.getDocuments(
        Array.from({ length: SLOTS }, (_, k) => ({ aggregateType: 'crash', aggregateId: `slot-${k}` })),
      );
      // Consistent: the counters and every document were written by exactly the batches 1..n.
      const expectedSlots = new Map<string, number>();
      for (let m = Math.max(1, n - SLOTS + 1); m <= n; m++) expectedSlots.set(`crash/slot-${m % SLOTS}`, m);
      expect({
        where,
        applied: stats.applied,
        latest: (latest?.state as { n: number } | undefined)?.n ?? 0,
        aggregates: stats.aggregates,
        slots: new Map([...slots].map(([k, d]) => [k, (d.state as { n: number }).n])),
      }).toEqual({
        where,
        applied: n,
        latest: n,
        aggregates: n === 0 ? 0 : 1 + expectedSlots.size,
        slots: expectedSlots,
      });
      await store.close();
      previous = n;
    }
    console.log(`[crash] ${ROUNDS} kills survived, ${previous} batches committed in total`);
    expect(previous).toBeGreaterThan(0);
  }, 60_000);
});
