import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { LocalError } from './errors';

export type ProcessKind =
  'broker' | 'mirrormaker' | 'registry' | 'etcd' | 'wan' | 'prometheus' | 'zipkin' | 'app';

/** What we remember of a process we started, so we stop exactly that one (by pid, never by name). */
export interface ProcessRecord {
  name: string;
  kind: ProcessKind;
  region: string;
  pid: number;
  port?: number;
  log: string;
  startedAt: string;
  /** What our command line carries instead of the `-Dmeridian.process` marker (binaries we don't own). */
  marker?: string;
}

/** JVM flags of Kafka's own scripts, with a small heap: several JVMs share 2 cores. */
export function jvmFlags(heapMb: number): string[] {
  return [
    `-Xms${Math.min(128, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
  ];
}

/** Marks a JVM's command line so a recycled pid is never mistaken for ours. */
export function processMarker(home: string, name: string): string {
  return `-Dmeridian.process=${name}@${home}`;
}

export interface SpawnJavaOptions {
  name: string;
  kind: ProcessKind;
  region: string;
  home: string;
  /** Either a classpath and main class, or a runnable jar. */
  classpath?: string;
  mainClass?: string;
  jar?: string;
  /** `-D` system properties. */
  props?: Record<string, string>;
  args: string[];
  heapMb: number;
  log: string;
  port?: number;
}

/** What every spawned process shares: its log file, a detached start, and the record kept of it. */
interface Detached {
  name: string;
  kind: ProcessKind;
  region: string;
  log: string;
  port?: number;
  marker?: string;
}

function spawnDetached(
  command: string,
  args: string[],
  o: Detached,
  missing: () => LocalError,
  env?: NodeJS.ProcessEnv,
): ProcessRecord {
  mkdirSync(dirname(o.log), { recursive: true });
  const fd = openSync(o.log, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(env ? { env } : {}),
    });
    if (child.pid === undefined) throw missing();
    child.unref();
    return {
      name: o.name,
      kind: o.kind,
      region: o.region,
      pid: child.pid,
      ...(o.port !== undefined ? { port: o.port } : {}),
      log: o.log,
      startedAt: new Date().toISOString(),
      ...(o.marker !== undefined ? { marker: o.marker } : {}),
    };
  } finally {
    closeSync(fd);
  }
}

export function spawnJava(o: SpawnJavaOptions): ProcessRecord {
  return spawnDetached(
    'java',
    [
      ...jvmFlags(o.heapMb),
      processMarker(o.home, o.name),
      ...Object.entries(o.props ?? {}).map(([k, v]) => `-D${k}=${v}`),
      ...(o.jar ? ['-jar', o.jar] : ['-cp', o.classpath ?? '', o.mainClass ?? '']),
      ...o.args,
    ],
    o,
    () => new LocalError('JAVA_MISSING', 'cannot start `java`: is a JDK 17 on the PATH?'),
  );
}

export interface SpawnBinaryOptions {
  name: string;
  kind: ProcessKind;
  region: string;
  command: string;
  args: string[];
  /** An argument unique to this process (e.g. its data directory), checked like the JVM marker. */
  marker: string;
  log: string;
  port?: number;
}

/** A program that is not ours (etcd): tracked by pid plus an argument unique to this instance. */
export function spawnBinary(o: SpawnBinaryOptions): ProcessRecord {
  return spawnDetached(
    o.command,
    o.args,
    o,
    () => new LocalError('START_TIMEOUT', `cannot start \`${o.command}\`: is it installed?`),
  );
}

export interface SpawnNodeOptions {
  name: string;
  kind?: ProcessKind;
  region: string;
  home: string;
  script: string;
  env: Record<string, string>;
  log: string;
  port?: number;
}

/** A Node program of ours (a service), tracked like the JVMs: by pid plus a command-line marker. */
export function spawnNode(o: SpawnNodeOptions): ProcessRecord {
  return spawnDetached(
    process.execPath,
    [o.script, processMarker(o.home, o.name)],
    { ...o, kind: o.kind ?? 'app' },
    () => new LocalError('START_TIMEOUT', `cannot start ${o.script}`),
    { ...process.env, ...o.env },
  );
}

/** True when the pid is alive AND is the JVM we started (its command line carries our marker). */
export function isAlive(rec: ProcessRecord, home: string): boolean {
  try {
    process.kill(rec.pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${rec.pid}/cmdline`;
  if (!existsSync(cmdline)) return true; // not Linux: trust the pid
  try {
    const args = readFileSync(cmdline, 'utf8').split('\0');
    const state = readFileSync(`/proc/${rec.pid}/stat`, 'utf8').split(' ')[2];
    return state !== 'Z' && args.includes(rec.marker ?? processMarker(home, rec.name));
  } catch {
    return false;
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM (or SIGKILL), then wait for the exit; escalate to SIGKILL after `timeoutMs`. */
export async function stopProcess(
  rec: ProcessRecord,
  home: string,
  opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(rec, home)) return 'not-running';
  const signal = opts.signal ?? 'SIGTERM';
  process.kill(rec.pid, signal);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (!isAlive(rec, home)) return signal === 'SIGKILL' ? 'killed' : 'stopped';
    await delay(100);
  }
  process.kill(rec.pid, 'SIGKILL');
  while (isAlive(rec, home)) await delay(100);
  return 'killed';
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      s.destroy();
      resolve(open);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export function tailOf(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
