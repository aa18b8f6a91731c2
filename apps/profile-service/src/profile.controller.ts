import { type Context, requestContext } from '@meridian/tracing';
import { InjectWriteRole, type WriteRole } from './write-role';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  createParamDecorator,
  type ExecutionContext,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { PROFILE, aggregateIdProblem, profileSteps, type ProfileStep } from '@meridian/domain';
import {
  DURABILITIES,
  type Durability,
  EventPublisher,
  IDEMPOTENCY_KEY,
  type PublishedEvent,
} from '@meridian/publisher';
import {
  CreditDto,
  EndSessionDto,
  FavouriteDto,
  PreferenceDto,
  StartSessionDto,
  TagDto,
  UpdateProfileDto,
} from './dto';

const SESSION_ID = /^[A-Za-z0-9._-]{1,128}$/;
const KEY = /^[A-Za-z0-9._:-]{1,128}$/;

function checkParam(name: string, value: string, re: RegExp): string {
  if (!re.test(value)) throw new BadRequestException(`${name} must match ${re.source}`);
  return value;
}

interface WriteResult {
  profileId: string;
  events: PublishedEvent[];
  /** The Idempotency-Key was known: the original write's identities, nothing new stored. */
  replayed?: true;
}

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** `local` (default: stored in this region) or `remote` (answered once another region holds it too). */
export const DURABILITY_HEADER = 'meridian-durability';

/** What a write takes from its request besides the body: tracing ids, its key, the response. */
interface WriteContext {
  correlationId: string | undefined;
  causationId: string | undefined;
  idempotencyKey: string | undefined;
  durability: string | undefined;
  /** Tracing on: the request's trace context (its server span), continued by the publish. */
  trace: Context | undefined;
  res: Response;
}

const Write = createParamDecorator((_: unknown, ctx: ExecutionContext): WriteContext => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return {
    correlationId: req.header('x-correlation-id'),
    causationId: req.header('x-causation-id'),
    idempotencyKey: req.header(IDEMPOTENCY_KEY_HEADER),
    durability: req.header(DURABILITY_HEADER),
    trace: requestContext(req),
    res: ctx.switchToHttp().getResponse<Response>(),
  };
});

/**
 * Every mutation is one or more events, published before the response: 200 means stored
 * (acks=all); a broker that did not acknowledge gives 503 with Retry-After (PublisherErrorFilter).
 * The service keeps no state of its own; reads are served by the region's projector.
 */
@Controller('profiles/:id')
export class ProfileController {
  constructor(private readonly publisher: EventPublisher) {}

  private async write(id: string, steps: ProfileStep[], w: WriteContext): Promise<WriteResult> {
    const idProblem = aggregateIdProblem(id, 'id');
    if (idProblem !== undefined) throw new BadRequestException(idProblem);
    const key = w.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
      throw new BadRequestException(`Idempotency-Key header: must match ${IDEMPOTENCY_KEY.source}`);
    const durability = (w.durability ?? 'local').trim().toLowerCase();
    if (!DURABILITIES.includes(durability as Durability))
      throw new BadRequestException(
        `Meridian-Durability header: must be one of ${DURABILITIES.join(', ')}, not "${w.durability}"`,
      );
    const events = await this.publisher.publish(PROFILE, id, steps, {
      correlationId: w.correlationId ?? randomUUID(),
      causationId: w.causationId ?? null,
      durability: durability as Durability,
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      ...(w.trace ? { trace: w.trace } : {}),
    });
    w.res.setHeader('Meridian-Durability', durability);
    const confirmedIn = events[0]?.confirmedIn;
    if (confirmedIn !== undefined) w.res.setHeader('Meridian-Confirmed-In', confirmedIn);
    if (events.some((e) => e.replayed)) {
      w.res.setHeader('Idempotent-Replayed', 'true');
      return { profileId: id, events, replayed: true };
    }
    return { profileId: id, events };
  }

  @Patch()
  @HttpCode(200)
  update(@Param('id') id: string, @Body() body: UpdateProfileDto, @Write() w: WriteContext) {
    const steps: ProfileStep[] = [];
    if (body.displayName !== undefined) steps.push(profileSteps.setField('displayName', body.displayName));
    if (body.email !== undefined) steps.push(profileSteps.setField('email', body.email));
    if (body.locale !== undefined) steps.push(profileSteps.setField('locale', body.locale));
    if (steps.length === 0) throw new BadRequestException('give at least one of displayName, email, locale');
    return this.write(id, steps, w);
  }

  @Put('preferences/:key')
  @HttpCode(200)
  setPreference(
    @Param('id') id: string,
    @Param('key') key: string,
    @Body() body: PreferenceDto,
    @Write() w: WriteContext,
  ) {
    return this.write(id, [profileSteps.setPreference(checkParam('key', key, KEY), body.value)], w);
  }

  @Delete('preferences/:key')
  @HttpCode(200)
  removePreference(@Param('id') id: string, @Param('key') key: string, @Write() w: WriteContext) {
    return this.write(id, [profileSteps.removePreference(checkParam('key', key, KEY))], w);
  }

  @Post('tags')
  @HttpCode(200)
  addTag(@Param('id') id: string, @Body() body: TagDto, @Write() w: WriteContext) {
    return this.write(id, [profileSteps.addTag(body.tag)], w);
  }

  @Delete('tags/:tag')
  @HttpCode(200)
  removeTag(@Param('id') id: string, @Param('tag') tag: string, @Write() w: WriteContext) {
    return this.write(id, [profileSteps.removeTag(checkParam('tag', tag, /^.{1,100}$/))], w);
  }

  @Post('favourites')
  @HttpCode(200)
  addFavourite(@Param('id') id: string, @Body() body: FavouriteDto, @Write() w: WriteContext) {
    return this.write(id, [profileSteps.addFavourite(body.itemId)], w);
  }

  @Delete('favourites/:itemId')
  @HttpCode(200)
  removeFavourite(@Param('id') id: string, @Param('itemId') itemId: string, @Write() w: WriteContext) {
    return this.write(id, [profileSteps.removeFavourite(checkParam('itemId', itemId, /^.{1,200}$/))], w);
  }

  @Post('credit')
  @HttpCode(200)
  adjustCredit(@Param('id') id: string, @Body() body: CreditDto, @Write() w: WriteContext) {
    if (!Number.isSafeInteger(body.amountCents))
      throw new BadRequestException('amountCents must be a safe integer');
    return this.write(id, [profileSteps.adjustCredit(body.amountCents)], w);
  }

  @Post('logins')
  @HttpCode(200)
  recordLogin(@Param('id') id: string, @Write() w: WriteContext) {
    return this.write(id, [profileSteps.recordLogin()], w);
  }

  @Post('sessions')
  @HttpCode(200)
  async startSession(@Param('id') id: string, @Body() body: StartSessionDto, @Write() w: WriteContext) {
    const sessionId = body.sessionId ?? randomUUID();
    const res = await this.write(id, [profileSteps.startSession(sessionId, body.device)], w);
    return { ...res, sessionId };
  }

  @Delete('sessions/:sessionId')
  @HttpCode(200)
  endSession(
    @Param('id') id: string,
    @Param('sessionId') sessionId: string,
    @Body() body: EndSessionDto,
    @Write() w: WriteContext,
  ) {
    return this.write(
      id,
      [profileSteps.endSession(checkParam('sessionId', sessionId, SESSION_ID), body?.reason ?? 'logout')],
      w,
    );
  }
}

@Controller()
export class OpsController {
  constructor(
    @InjectWriteRole() private readonly role: WriteRole,
    private readonly publisher: EventPublisher,
  ) {}

  /**
   * Liveness (200 while the process runs), plus whether this region can store a write now — the
   * gateway routes writes by `writes.accepting`: the lease (Phase A) and a broker that answered the
   * publisher's last probe with a producer ready.
   */
  @Get('health')
  health() {
    const lease = this.role.health();
    const p = this.publisher.health();
    const broker = {
      reachable: p.ready,
      checkedAgoMs: p.checkedAgoMs,
      ...(p.error !== undefined && !p.ready ? { error: p.error } : {}),
      ...(p.clockSkewMs !== undefined ? { clockSkewMs: p.clockSkewMs } : {}),
    };
    const writes =
      lease.accepting && !p.ready
        ? { ...lease, accepting: false, reason: `BROKER_UNREACHABLE: ${p.error ?? 'producer not ready'}` }
        : lease;
    return { status: writes.accepting ? 'ok' : 'degraded', region: this.role.region, writes, broker };
  }
}
