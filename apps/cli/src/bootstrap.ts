import { Kafka, logLevel } from 'kafkajs';
import { ConfluentSchemaRegistry, registerAll } from '@meridian/contract';
import { loadModels } from '@meridian/domain';
import {
  aggregateTopic,
  bootstrapServers,
  deadLetterTopic,
  isMirroredTopic,
  registryUrl,
  type Topology,
} from '@meridian/topology';

/**
 * What Meridian needs in every region before a service writes: one topic per aggregate type
 * of the topology's models (auto-creation is off on purpose), the region's dead-letter topic, and
 * every model's event schemas in the region's registry. Idempotent.
 */
export async function bootstrapRegions(t: Topology, log: (m: string) => void): Promise<void> {
  // Every model the topology's projectors serve: its topic and its schemas, in every region.
  const models = loadModels(t.models);
  await Promise.all(
    t.regions.map(async (r) => {
      const admin = new Kafka({ brokers: [bootstrapServers(r)], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const wanted = [
          ...models.aggregateTypes.map((a) => aggregateTopic(a)),
          deadLetterTopic(r.name),
        ].filter((topic) => !existing.has(topic));
        if (wanted.length > 0) {
          await admin.createTopics({
            topics: wanted.map((topic) => ({
              topic,
              numPartitions: r.kafka.partitions,
              // The broker stamps each record with its own clock: the projectors' skew decision
              // compares an event's HLC with this stamp, which MirrorMaker 2 carries to every region
              // unchanged (it does not sync message.timestamp.type, so mirrored copies keep it).
              ...(!isMirroredTopic(topic) && topic !== deadLetterTopic(r.name)
                ? { configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }
                : {}),
            })),
            waitForLeaders: true,
          });
          log(`${r.name}: created ${wanted.join(', ')}`);
        }
      } finally {
        await admin.disconnect();
      }
      const url = registryUrl(r);
      if (url) {
        const res = await registerAll(new ConfluentSchemaRegistry({ url }), { schemas: models.schemas });
        log(`${r.name}: ${res.length} schemas registered in ${url}`);
      }
    }),
  );
}
