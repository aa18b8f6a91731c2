import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { TopologyError } from './errors';
import { type MirrorPlacement, type Topology, TopologySchema } from './model';
import { wanPortsOf } from './wan';

/** Folder holding the shipped topologies (`<name>.yaml`). */
export function topologiesDir(repoRoot: string): string {
  return join(repoRoot, 'mirrormaker', 'topologies');
}

/** Resolves a topology given by name (`active-active`) or by path to a YAML file. */
export function resolveTopologyPath(nameOrPath: string, repoRoot: string): string {
  const looksLikePath =
    nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') || nameOrPath.includes('/');
  const path = looksLikePath
    ? isAbsolute(nameOrPath)
      ? nameOrPath
      : resolve(nameOrPath)
    : join(topologiesDir(repoRoot), `${nameOrPath}.yaml`);
  if (!existsSync(path)) {
    throw new TopologyError(
      'TOPOLOGY_NOT_FOUND',
      `topology "${nameOrPath}" not found at ${path}; give a shipped name (active-active, active-passive) or a YAML path`,
    );
  }
  return path;
}

/**
 * Loads and validates a topology. Every port in it is moved by `portOffset` — by default
 * `MERIDIAN_PORT_OFFSET` (0 when unset) — so a second copy of a topology (the test suites', under
 * their own `MERIDIAN_HOME`) runs beside the user's on a block of ports of its own. Every process
 * of a local topology inherits the variable, so all of them agree on the block.
 */
export function loadTopology(
  nameOrPath: string,
  repoRoot: string,
  opts: { portOffset?: number; mirrorPlacement?: MirrorPlacement } = {},
): Topology {
  const path = resolveTopologyPath(nameOrPath, repoRoot);
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new TopologyError(
      'TOPOLOGY_INVALID',
      `topology ${path} is not valid YAML: ${(cause as Error).message}`,
      { cause },
    );
  }
  const placement = opts.mirrorPlacement ?? mirrorPlacementFromEnv();
  const shifted = shiftPorts(raw, opts.portOffset ?? portOffsetFromEnv());
  if (placement !== undefined && typeof shifted === 'object' && shifted !== null) {
    const r = shifted as { mirror?: Record<string, unknown> };
    r.mirror = { ...(r.mirror ?? {}), placement };
  }
  const t = parseTopology(shifted, path);
  // Model modules are named relative to the repository: every process resolves them the same.
  return { ...t, models: t.models.map((m) => (m.startsWith('.') ? resolve(repoRoot, m) : m)) };
}

/** `MERIDIAN_MIRROR_PLACEMENT` (`target` or `source`), overriding the topology's; undefined when unset. */
export function mirrorPlacementFromEnv(env: NodeJS.ProcessEnv = process.env): MirrorPlacement | undefined {
  const raw = env.MERIDIAN_MIRROR_PLACEMENT;
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'target' && raw !== 'source')
    throw new TopologyError(
      'TOPOLOGY_INVALID',
      `MERIDIAN_MIRROR_PLACEMENT must be target or source (where each flow's MirrorMaker 2 runs), got ${JSON.stringify(raw)}`,
    );
  return raw;
}

/** The largest block shift: the shipped topologies' ports stay below 65 535 with it. */
export const MAX_PORT_OFFSET = 30_000;

/** `MERIDIAN_PORT_OFFSET` as a number; 0 when unset. Throws naming the variable when malformed. */
export function portOffsetFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MERIDIAN_PORT_OFFSET;
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_PORT_OFFSET)
    throw new TopologyError(
      'TOPOLOGY_INVALID',
      `MERIDIAN_PORT_OFFSET must be an integer in 0..${MAX_PORT_OFFSET} (added to every port of the topology), got ${JSON.stringify(raw)}`,
    );
  return n;
}

/** Keys whose numbers are ports, wherever they appear in a topology document. */
const PORT_KEYS = new Set(['port', 'controllerPort', 'clientPort', 'peerPort', 'wanPortBase', 'controlPort']);

/** A copy of the raw document with every port moved by `offset` (validated afterwards, as ever). */
function shiftPorts(raw: unknown, offset: number): unknown {
  if (offset === 0) return raw;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = PORT_KEYS.has(k) && typeof x === 'number' ? x + offset : walk(x);
    return out;
  };
  return walk(raw);
}

/** Validates a topology object; every message names the offending field. */
export function parseTopology(raw: unknown, source = 'topology'): Topology {
  const parsed = TopologySchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('\n');
    throw new TopologyError('TOPOLOGY_INVALID', `${source} is invalid:\n${details}`);
  }
  const t = parsed.data;
  const problems: string[] = [];
  const names = new Set<string>();
  const ports = new Map<number, string>();
  t.regions.forEach((r, i) => {
    if (names.has(r.name)) problems.push(`regions.${i}.name: "${r.name}" appears twice`);
    names.add(r.name);
    const regionPorts: [string, number][] = [
      ['kafka.port', r.kafka.port],
      ['kafka.controllerPort', r.kafka.controllerPort],
    ];
    if (r.registry) regionPorts.push(['registry.port', r.registry.port]);
    if (r.profileService) regionPorts.push(['profileService.port', r.profileService.port]);
    if (r.projector) regionPorts.push(['projector.port', r.projector.port]);
    if (r.etcd) regionPorts.push(['etcd.clientPort', r.etcd.clientPort], ['etcd.peerPort', r.etcd.peerPort]);
    if (t.wan && r.wanPortBase === undefined)
      problems.push(
        `regions.${i}.wanPortBase: required when the topology has a wan (proxies into ${r.name} listen from there)`,
      );
    if (t.wan && r.wanPortBase !== undefined) regionPorts.push(...wanPortsOf(t, r));
    for (const [field, p] of regionPorts) {
      const owner = ports.get(p);
      if (owner) problems.push(`regions.${i}.${field}: port ${p} is already used by ${owner}`);
      ports.set(p, `${r.name} ${field}`);
    }
  });
  const globalPorts: [string, number | undefined][] = [
    ['monitor.port', t.monitor?.port],
    ['gateway.port', t.gateway?.port],
    ['wan.controlPort', t.wan?.controlPort],
  ];
  const serviceNames = new Set<string>();
  t.services.forEach((svc, i) => {
    if (serviceNames.has(svc.name)) problems.push(`services.${i}.name: "${svc.name}" appears twice`);
    serviceNames.add(svc.name);
    for (const [region, { port: p }] of Object.entries(svc.regions)) {
      if (!names.has(region)) problems.push(`services.${i}.regions.${region}: unknown region`);
      globalPorts.push([`services.${i}.regions.${region}.port`, p]);
    }
  });
  for (const [field, p] of globalPorts) {
    if (p === undefined) continue;
    const owner = ports.get(p);
    if (owner) problems.push(`${field}: port ${p} is already used by ${owner}`);
    ports.set(p, field);
  }
  if (t.failover) {
    if (!names.has(t.failover.primary))
      problems.push(`failover.primary: unknown region "${t.failover.primary}"`);
    (t.failover.order ?? []).forEach((n, i) => {
      if (!names.has(n)) problems.push(`failover.order.${i}: unknown region "${n}"`);
    });
    t.regions.forEach((r, i) => {
      if (!r.etcd)
        problems.push(
          `regions.${i}.etcd: required when the topology has failover (the quorum holds the leases)`,
        );
    });
  }
  if (t.gateway && !names.has(t.gateway.region))
    problems.push(`gateway.region: unknown region "${t.gateway.region}"`);
  const flowKeys = new Set<string>();
  t.flows.forEach((f, i) => {
    if (!names.has(f.from)) problems.push(`flows.${i}.from: unknown region "${f.from}"`);
    if (!names.has(f.to)) problems.push(`flows.${i}.to: unknown region "${f.to}"`);
    if (f.from === f.to) problems.push(`flows.${i}: a region cannot mirror into itself`);
    const key = `${f.from}->${f.to}`;
    if (flowKeys.has(key)) problems.push(`flows.${i}: ${key} appears twice`);
    flowKeys.add(key);
  });
  if (t.mirror.placement === 'source')
    for (const from of new Set(t.flows.map((f) => f.from)))
      if (!t.flows.some((f) => f.to === from))
        problems.push(
          `mirror.placement: source needs a flow into every region that mirrors out (${from} has none): a flow's heartbeats are emitted into its source by the mirrors writing there; use placement target`,
        );
  try {
    new RegExp(`^(?:${t.mirror.topics})$`);
  } catch (cause) {
    problems.push(`mirror.topics: not a valid regex (${(cause as Error).message})`);
  }
  if (problems.length > 0) {
    throw new TopologyError(
      'TOPOLOGY_INVALID',
      `${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return t;
}
