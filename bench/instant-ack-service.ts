/**
 * The publish bench's ceiling: profile-service as the topology runs it (same region, registry and
 * projector snapshots), with a producer that acknowledges every batch at once, so what it sustains
 * is the service's own cost. Run as a child process by `publish.bench.ts`; prints its URL.
 */
// Tracing when TRACING_ZIPKIN_URL is set (the tracing bench's runs with it on).
import { tracing } from '../apps/profile-service/src/otel';
import { LOCAL_APPS, localRegionEnv } from '@meridian/testing';
import type { EventProducer, ProducedPartition } from '@meridian/publisher';
import { startProfileService } from '../apps/profile-service/src/app';

const instantAck = (): EventProducer => ({
  connect: async () => undefined,
  disconnect: async () => undefined,
  probe: async () => undefined,
  send: async (batch): Promise<ProducedPartition[]> =>
    batch.map((t) => ({ topic: t.topic, partition: 0, baseOffset: '0' })),
});

// The tracing bench reads this process's CPU time around its measured window (µs, user + system):
// a line on stdin asks (not a signal: NestJS's shutdown hooks take SIGUSR2 as one).
process.stdin.on('data', () => {
  const u = process.cpuUsage();
  process.stdout.write(`cpu ${u.user + u.system}\n`);
});
process.stdin.unref?.();

void (async () => {
  const { url } = await startProfileService(
    {
      ...localRegionEnv('us-east'),
      PROJECTOR_URL: LOCAL_APPS['us-east'].projector,
      PORT: 0,
      AUTO_REGISTER_SCHEMAS: false,
    },
    { producerFactory: instantAck, ...(tracing ? { tracing } : {}) },
  );
  process.stdout.write(`${url}\n`);
})();
