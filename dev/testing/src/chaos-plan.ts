import { mulberry32 } from '@meridian/random';

/**
 * A chaos scenario drawn from one seed: which faults hit which region when, and which writer's
 * clock is skewed. Faults do not overlap: each has a slot of the workload window, and is undone
 * (healed, restarted) at the end of its slot, so a failing seed replays the same story.
 */
export type ChaosFaultKind =
  | 'partition' // every WAN link into and out of the region drops and refuses
  | 'half-open' // every link into and out of the region accepts and stalls
  | 'link-delay' // the links between two regions get a large delay
  | 'broker-kill' // SIGKILL of the region's broker, restarted on its data
  | 'mirror-kill' // SIGKILL of the region's MirrorMaker 2 process
  | 'projector-kill' // SIGKILL of the region's projector
  | 'projector-crash' // the region's projector crashes at a store-commit failpoint
  | 'second-projector' // a second projector is started on the region's store: it must refuse to run
  | 'late-schema' // a writer in the region starts using a new schema version, registered elsewhere only later
  | 'monitor-restart'; // the region's MirrorMaker 2 dies, then a fresh monitor starts: it must date the backlog

export interface ChaosFault {
  kind: ChaosFaultKind;
  region: string;
  /** For link-delay: the other end. */
  peer?: string;
  delayMs?: number;
  /** For projector-crash: which side of the commit, and on which commit after arming. */
  failpoint?: 'store.commit.before' | 'store.commit.after';
  onHit?: number;
  atMs: number;
  durationMs: number;
}

export interface ChaosPlan {
  seed: number;
  workloadMs: number;
  faults: ChaosFault[];
  /** One region also runs a writer whose wall clock is off by skewMs. */
  skew: { region: string; skewMs: number };
}

export const CHAOS_FAULT_KINDS: readonly ChaosFaultKind[] = [
  'partition',
  'half-open',
  'link-delay',
  'broker-kill',
  'mirror-kill',
  'projector-kill',
  'projector-crash',
  'second-projector',
  'late-schema',
  'monitor-restart',
];

export function chaosPlan(
  seed: number,
  regions: readonly string[],
  opts: { workloadMs?: number; faults?: number; kinds?: readonly ChaosFaultKind[] } = {},
): ChaosPlan {
  if (regions.length < 2) throw new Error('a chaos plan needs at least two regions');
  const random = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const workloadMs = opts.workloadMs ?? 12_000;
  const count = opts.faults ?? 2;
  const kinds = opts.kinds ?? CHAOS_FAULT_KINDS;
  const slot = Math.floor(workloadMs / count);
  const faults: ChaosFault[] = [];
  for (let i = 0; i < count; i++) {
    const kind = pick(kinds);
    const region = pick(regions);
    const durationMs = int(Math.floor(slot * 0.3), Math.floor(slot * 0.7));
    const atMs = i * slot + int(0, slot - durationMs);
    const fault: ChaosFault = { kind, region, atMs, durationMs };
    if (kind === 'link-delay') {
      fault.peer = pick(regions.filter((r) => r !== region));
      fault.delayMs = int(200, 800);
    }
    if (kind === 'projector-crash') {
      fault.failpoint = random() < 0.5 ? 'store.commit.before' : 'store.commit.after';
      fault.onHit = int(1, 4);
    }
    faults.push(fault);
  }
  const skewMs = int(2, 8) * 1000 * (random() < 0.5 ? -1 : 1);
  return { seed, workloadMs, faults, skew: { region: pick(regions), skewMs } };
}

/** One line per fault, for the failure report (rerun with the same seed to replay). */
export function describeChaosPlan(p: ChaosPlan): string {
  const lines = [
    `seed ${p.seed}: workload ${p.workloadMs} ms; writer clock in ${p.skew.region} skewed by ${p.skew.skewMs} ms`,
    ...p.faults.map(
      (f) =>
        `  at ${f.atMs} ms for ${f.durationMs} ms: ${f.kind} ${f.region}` +
        (f.peer ? ` <-> ${f.peer} (+${f.delayMs} ms one way)` : '') +
        (f.failpoint ? ` at ${f.failpoint}, commit #${f.onHit}` : ''),
    ),
  ];
  return lines.join('\n');
}
