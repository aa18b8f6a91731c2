/**
 * The other way of publishing: `@nestjs/microservices`' Kafka transport with Meridian's serializer
 * and deserializer. A ClientKafka `emit()` is received, decoded and typed, by an `@EventPattern()`
 * handler of a Kafka microservice — both against the real us-east broker and registry.
 */
import { randomUUID } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  EventPattern,
  type MicroserviceOptions,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { ConfluentSchemaRegistry, EventSerde, type MeridianEvent, type TagAdded } from '@meridian/contract';
import { LOCAL_REGIONS, LOCAL_REGISTRIES, uniqueName, waitFor } from '@meridian/testing';
import { MeridianKafkaDeserializer, MeridianKafkaSerializer } from './nest';

const BROKERS = [LOCAL_REGIONS['us-east']];
const serde = new EventSerde({
  registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES['us-east'] }),
});
const received: unknown[] = [];

@Controller()
class TagListener {
  @EventPattern('meridian.profile')
  handle(@Payload() event: MeridianEvent | { error: Error }) {
    received.push(event);
  }
}

@Module({ controllers: [TagListener] })
class ListenerModule {}

describe('Nest Kafka transport with the Meridian serde', () => {
  it('ClientKafka.emit() → @EventPattern handler receives the typed event', async () => {
    const server = await NestFactory.createMicroservice<MicroserviceOptions>(ListenerModule, {
      logger: ['error'],
      transport: Transport.KAFKA,
      options: {
        client: { clientId: uniqueName('nest-srv'), brokers: BROKERS },
        consumer: { groupId: uniqueName('nest-transport') },
        subscribe: { fromBeginning: true },
        deserializer: new MeridianKafkaDeserializer(serde),
      },
    });
    await server.listen();
    const client = new ClientKafka({
      client: { clientId: uniqueName('nest-cli'), brokers: BROKERS },
      producer: { idempotent: true, maxInFlightRequests: 1 },
      producerOnlyMode: true,
      serializer: new MeridianKafkaSerializer(serde),
    });
    await client.connect();
    try {
      const aggregateId = uniqueName('nest');
      const event: TagAdded = {
        type: 'io.meridian.profile.v1.TagAdded',
        envelope: {
          eventId: randomUUID(),
          aggregateType: 'profile',
          aggregateId,
          originRegion: 'us-east',
          hlc: { wallMs: Date.now(), logical: 0, nodeId: 'us-east.nest.0' },
          writerEpoch: 0,
          causationId: null,
          correlationId: 'nest-corr',
          occurredAt: Date.now(),
          seq: 1,
          observed: [],
        },
        tag: 'from-nest',
      };
      await new Promise<void>((resolve, reject) =>
        client.emit('meridian.profile', event).subscribe({ complete: resolve, error: reject }),
      );
      const got = await waitFor(
        () =>
          received.find(
            (e): e is TagAdded =>
              typeof e === 'object' &&
              e !== null &&
              'envelope' in e &&
              (e as TagAdded).envelope.aggregateId === aggregateId,
          ),
        { timeoutMs: 60_000, description: 'the emitted event at the @EventPattern handler' },
      );
      expect(got).toEqual(event);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
