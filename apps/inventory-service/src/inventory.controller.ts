import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Headers,
  ServiceUnavailableException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { aggregateIdProblem, StepInputError, type StepInput } from '@meridian/domain';
import { EventPublisher, IDEMPOTENCY_KEY, type PublishedEvent } from '@meridian/publisher';
import { ReadApiClient } from '@meridian/read-api';
import { INVENTORY, inventoryModel, inventoryView, type InventoryView } from './model';

export const READ_API = Symbol('READ_API');

const CODE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
type Body = Record<string, unknown> | undefined;

/** A field of the body, checked; the 400 names it. */
function field(body: Body, name: string, kind: 'code' | 'text' | 'int' | 'positive'): string | number {
  const v = body?.[name];
  switch (kind) {
    case 'code':
      if (typeof v !== 'string' || !CODE.test(v))
        throw new BadRequestException(`${name} must match ${CODE.source}`);
      return v;
    case 'text':
      if (typeof v !== 'string' || v.length === 0 || v.length > 200)
        throw new BadRequestException(`${name} must be a string of 1-200 characters`);
      return v;
    case 'int':
    case 'positive':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v === 0 || (kind === 'positive' && v < 0))
        throw new BadRequestException(
          `${name} must be a ${kind === 'positive' ? 'positive' : 'non-zero'} safe integer`,
        );
      return v;
  }
}

function param(name: string, v: string): string {
  if (!CODE.test(v)) throw new BadRequestException(`${name} must match ${CODE.source}`);
  return v;
}

/**
 * An inventory service of another team's making: every mutation is one event of the inventory
 * model, published with `EventPublisher` before the answer (200: stored; 503: not stored; 504:
 * unknown — resend with the same Idempotency-Key). Reads come from the region's projector.
 */
@Controller('items/:sku')
export class InventoryController {
  constructor(
    private readonly publisher: EventPublisher,
    @Inject(READ_API) private readonly reads: ReadApiClient,
  ) {}

  private async write(sku: string, event: string, input: StepInput, key: string | undefined) {
    const problem = aggregateIdProblem(sku, 'sku');
    if (problem !== undefined) throw new BadRequestException(problem);
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
      throw new BadRequestException(`Idempotency-Key header: must match ${IDEMPOTENCY_KEY.source}`);
    const build = inventoryModel.steps[event];
    if (!build) throw new Error(`${event} is not an inventory event`);
    let step;
    try {
      step = build(input);
    } catch (e) {
      if (e instanceof StepInputError) throw new BadRequestException(e.message);
      throw e;
    }
    const events: PublishedEvent[] = await this.publisher.publish(INVENTORY, sku, [step], {
      correlationId: randomUUID(),
      causationId: null,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    });
    return { sku, events, ...(events.some((e) => e.replayed) ? { replayed: true } : {}) };
  }

  /** The region's view of the SKU; undefined when it holds nothing yet. */
  private async current(sku: string): Promise<InventoryView | undefined> {
    try {
      const v = await this.reads.aggregate(INVENTORY, sku);
      return v ? inventoryView(v.view ?? {}) : undefined;
    } catch (e) {
      throw new ServiceUnavailableException(
        `the region's projector cannot be read (${(e as Error).message}); nothing was published`,
      );
    }
  }

  /**
   * Best effort against overselling: refused when this region's view cannot cover the units. Two
   * regions taking the last unit at once both pass; `available` then shows the oversell.
   */
  private async needAvailable(sku: string, warehouse: string, units: number): Promise<void> {
    const have = (await this.current(sku))?.available[warehouse] ?? 0;
    if (have < units)
      throw new ConflictException(
        `INSUFFICIENT_STOCK: ${warehouse} has ${have} available in this region's view, ${units} asked; nothing was published`,
      );
  }

  @Get()
  async get(@Param('sku') sku: string) {
    const problem = aggregateIdProblem(sku, 'sku');
    if (problem !== undefined) throw new BadRequestException(problem);
    const v = await this.current(sku);
    if (!v) throw new NotFoundException(`no inventory for ${sku} in this region yet`);
    return { sku, ...v };
  }

  @Put()
  @HttpCode(200)
  describe(@Param('sku') sku: string, @Body() b: Body, @Headers('idempotency-key') key?: string) {
    return this.write(sku, 'ItemDescribed', { title: field(b, 'title', 'text') }, key);
  }

  /** `delta` > 0 receives, < 0 ships (refused beyond what this region's view has available). */
  @Post('stock')
  @HttpCode(200)
  async adjust(@Param('sku') sku: string, @Body() b: Body, @Headers('idempotency-key') key?: string) {
    const warehouse = field(b, 'warehouse', 'code') as string;
    const delta = field(b, 'delta', 'int') as number;
    const reason =
      b?.reason === undefined ? (delta > 0 ? 'received' : 'shipped') : field(b, 'reason', 'code');
    if (delta < 0) await this.needAvailable(sku, warehouse, -delta);
    return this.write(sku, 'StockAdjusted', { warehouse, delta, reason }, key);
  }

  @Post('reservations')
  @HttpCode(200)
  async reserve(@Param('sku') sku: string, @Body() b: Body, @Headers('idempotency-key') key?: string) {
    const warehouse = field(b, 'warehouse', 'code') as string;
    const quantity = field(b, 'quantity', 'positive') as number;
    const orderId = field(b, 'orderId', 'code') as string;
    const reservationId = b?.reservationId === undefined ? randomUUID() : field(b, 'reservationId', 'code');
    await this.needAvailable(sku, warehouse, quantity);
    return this.write(sku, 'ItemReserved', { reservationId, warehouse, quantity, orderId }, key);
  }

  @Delete('reservations/:id')
  @HttpCode(200)
  release(
    @Param('sku') sku: string,
    @Param('id') id: string,
    @Body() b: Body,
    @Headers('idempotency-key') key?: string,
  ) {
    const reason = b?.reason === undefined ? 'cancelled' : field(b, 'reason', 'code');
    return this.write(sku, 'ReservationReleased', { reservationId: param('id', id), reason }, key);
  }

  @Put('channels/:channel')
  @HttpCode(200)
  enable(
    @Param('sku') sku: string,
    @Param('channel') channel: string,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.write(sku, 'ChannelEnabled', { channel: param('channel', channel) }, key);
  }

  @Delete('channels/:channel')
  @HttpCode(200)
  disable(
    @Param('sku') sku: string,
    @Param('channel') channel: string,
    @Headers('idempotency-key') key?: string,
  ) {
    return this.write(sku, 'ChannelDisabled', { channel: param('channel', channel) }, key);
  }
}

@Controller()
export class HealthController {
  constructor(private readonly publisher: EventPublisher) {}

  /** 200 while the process runs; `writes.accepting` follows the broker (the gateway routes by it). */
  @Get('health')
  health() {
    const p = this.publisher.health();
    return {
      status: p.ready ? 'ok' : 'degraded',
      writes: { accepting: p.ready, ...(p.ready ? {} : { reason: p.error ?? 'producer not ready' }) },
    };
  }
}
