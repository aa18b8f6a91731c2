import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { findRepoRoot } from '@meridian/topology';
import { LocalPaths, LocalStack } from '@meridian/local';
import { WanControl, type LinkFaults, type LinkStatus } from '@meridian/wan';
import { UsageError } from './errors';

/** `80ms`, `1.5s`, `200` (ms) → milliseconds. */
export function parseDurationMs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`"${v}" is not a duration (e.g. 80ms, 1.5s)`);
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
}

/** `512k`, `2m`, `100000` (bytes per second) → bytes per second; `0` = uncapped. */
export function parseBytesPerSec(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg])?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`"${v}" is not a rate (e.g. 512k, 2m bytes per second)`);
  const mult = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

function control(): WanControl {
  const paths = new LocalPaths(findRepoRoot());
  const t = new LocalStack(paths, { info: () => {}, warn: () => {} }).currentTopology();
  if (!t?.wan) throw new UsageError('the local topology is not up, or has no wan section');
  return new WanControl(`http://127.0.0.1:${t.wan.controlPort}`);
}

function print(links: LinkStatus[]): void {
  const table = new Table({
    head: ['link (client → server)', 'mode', 'delay', 'jitter', 'bandwidth', 'connections'],
    ...(process.stdout.isTTY ? {} : { style: { head: [], border: [] } }),
  });
  for (const l of links)
    table.push([
      `${l.from} → ${l.to}`,
      l.mode,
      `${l.delayMs} ms`,
      `±${l.jitterMs} ms`,
      l.bandwidthBytesPerSec ? `${l.bandwidthBytesPerSec} B/s` : 'uncapped',
      l.connections,
    ]);
  console.log(table.toString());
}

interface WanOptions {
  delay?: number;
  jitter?: number;
  bandwidth?: number;
  partition?: boolean;
  halfOpen?: boolean;
  heal?: boolean;
  reset?: boolean;
  both?: boolean;
  isolate?: string;
}

export function wanCommand(): Command {
  return new Command('wan')
    .description(
      'show or change the WAN between regions; a link `A B` carries connections from processes in A to servers in B',
    )
    .argument('[from]', 'client region')
    .argument('[to]', 'server region')
    .option('--delay <duration>', 'one-way added latency, e.g. 80ms', parseDurationMs)
    .option('--jitter <duration>', 'delay varies by up to ± this (order kept)', parseDurationMs)
    .option(
      '--bandwidth <rate>',
      'cap per connection and direction in bytes/s, e.g. 512k; 0 = none',
      parseBytesPerSec,
    )
    .option('--partition', 'drop and refuse every connection on the link')
    .option('--half-open', 'accept connections but forward nothing')
    .option('--reset', 'reset every open connection of the link')
    .option('--heal', 'back to the topology defaults (all links when no link is given)')
    .option('--both', 'apply to both directions (A B and B A)')
    .option('--isolate <region>', 'partition every link into and out of a region')
    .action(async (from: string | undefined, to: string | undefined, o: WanOptions) => {
      const wan = control();
      if (o.isolate) {
        await wan.isolate(o.isolate);
        return print(await wan.links());
      }
      if (!from || !to) {
        if (o.heal) await wan.heal();
        else if (o.delay !== undefined || o.partition || o.halfOpen || o.reset)
          throw new InvalidArgumentError('give the link: `meridian local wan <from> <to> --delay 80ms`');
        return print(await wan.links());
      }
      const pairs: [string, string][] = o.both
        ? [
            [from, to],
            [to, from],
          ]
        : [[from, to]];
      const faults: Partial<LinkFaults> = {};
      if (o.delay !== undefined) faults.delayMs = o.delay;
      if (o.jitter !== undefined) faults.jitterMs = o.jitter;
      if (o.bandwidth !== undefined) faults.bandwidthBytesPerSec = o.bandwidth;
      if (o.partition) faults.mode = 'partition';
      if (o.halfOpen) faults.mode = 'half-open';
      if (o.heal) faults.mode = 'pass';
      for (const [a, b] of pairs) {
        if (Object.keys(faults).length > 0) await wan.set(a, b, faults);
        if (o.reset) await wan.reset(a, b);
      }
      print((await wan.links()).filter((l) => pairs.some(([a, b]) => l.from === a && l.to === b)));
    });
}
