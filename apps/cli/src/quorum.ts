import pino from 'pino';
import { Quorum, quorumNamespace } from '@meridian/quorum';
import { region as regionOf, type Topology } from '@meridian/topology';
import { UsageError } from './errors';

export { quorumNamespace };

/**
 * Runs `fn` with a quorum client on one region's etcd member (default: the first region's). An
 * operator talks to a member of a region that is up: after a region dies, give a surviving one.
 */
export async function withQuorum<T>(t: Topology, fn: (q: Quorum) => Promise<T>, via?: string): Promise<T> {
  const r = via ? regionOf(t, via) : t.regions.find((x) => x.etcd);
  if (!r?.etcd) throw new UsageError(`topology ${t.name} has no etcd member${via ? ` in ${via}` : ''}`);
  const q = new Quorum({
    hosts: `http://127.0.0.1:${r.etcd.clientPort}`,
    namespace: quorumNamespace(t),
    regions: t.regions.map((x) => x.name),
    callTimeoutMs: 3000,
    // The CLI prints its own report; the library's step logs only when something goes wrong.
    logger: pino({ name: 'meridian-quorum', level: 'warn' }),
  });
  try {
    return await fn(q);
  } finally {
    q.close();
  }
}
