import { InjectWriteRole, type WriteRole } from './write-role';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { register } from 'prom-client';
import { PROFILE, profileSteps, type ProfileStep } from '@meridian/domain';
import { EventPublisher, type PublishedEvent } from '@meridian/publisher';
import {
  CreditDto,
  EndSessionDto,
  FavouriteDto,
  PreferenceDto,
  StartSessionDto,
  TagDto,
  UpdateProfileDto,
} from './dto';

const ID = /^[A-Za-z0-9._-]{1,128}$/;
const KEY = /^[A-Za-z0-9._:-]{1,128}$/;

function checkParam(name: string, value: string, re: RegExp): string {
  if (!re.test(value)) throw new BadRequestException(`${name} must match ${re.source}`);
  return value;
}

interface WriteResult {
  profileId: string;
  events: PublishedEvent[];
}

/**
 * Every mutation is one or more events, published before the response: 200 means stored
 * (acks=all); a broker that did not acknowledge gives 503 with Retry-After (PublisherErrorFilter).
 * The service keeps no state of its own; reads are served by the region's projector.
 */
@Controller('profiles/:id')
export class ProfileController {
  constructor(private readonly publisher: EventPublisher) {}

  private async write(
    id: string,
    steps: ProfileStep[],
    correlationId: string | undefined,
    causationId: string | undefined,
  ): Promise<WriteResult> {
    checkParam('id', id, ID);
    const events = await this.publisher.publish(PROFILE, id, steps, {
      correlationId: correlationId ?? randomUUID(),
      causationId: causationId ?? null,
    });
    return { profileId: id, events };
  }

  @Patch()
  @HttpCode(200)
  update(
    @Param('id') id: string,
    @Body() body: UpdateProfileDto,
    @Headers('x-correlation-id') corr?: string,
    @Headers('x-causation-id') cause?: string,
  ) {
    const steps: ProfileStep[] = [];
    if (body.displayName !== undefined) steps.push(profileSteps.setField('displayName', body.displayName));
    if (body.email !== undefined) steps.push(profileSteps.setField('email', body.email));
    if (body.locale !== undefined) steps.push(profileSteps.setField('locale', body.locale));
    if (steps.length === 0) throw new BadRequestException('give at least one of displayName, email, locale');
    return this.write(id, steps, corr, cause);
  }

  @Put('preferences/:key')
  @HttpCode(200)
  setPreference(
    @Param('id') id: string,
    @Param('key') key: string,
    @Body() body: PreferenceDto,
    @Headers('x-correlation-id') corr?: string,
  ) {
    return this.write(
      id,
      [profileSteps.setPreference(checkParam('key', key, KEY), body.value)],
      corr,
      undefined,
    );
  }

  @Delete('preferences/:key')
  @HttpCode(200)
  removePreference(
    @Param('id') id: string,
    @Param('key') key: string,
    @Headers('x-correlation-id') corr?: string,
  ) {
    return this.write(id, [profileSteps.removePreference(checkParam('key', key, KEY))], corr, undefined);
  }

  @Post('tags')
  @HttpCode(200)
  addTag(@Param('id') id: string, @Body() body: TagDto, @Headers('x-correlation-id') corr?: string) {
    return this.write(id, [profileSteps.addTag(body.tag)], corr, undefined);
  }

  @Delete('tags/:tag')
  @HttpCode(200)
  removeTag(@Param('id') id: string, @Param('tag') tag: string, @Headers('x-correlation-id') corr?: string) {
    return this.write(id, [profileSteps.removeTag(checkParam('tag', tag, /^.{1,100}$/))], corr, undefined);
  }

  @Post('favourites')
  @HttpCode(200)
  addFavourite(
    @Param('id') id: string,
    @Body() body: FavouriteDto,
    @Headers('x-correlation-id') corr?: string,
  ) {
    return this.write(id, [profileSteps.addFavourite(body.itemId)], corr, undefined);
  }

  @Delete('favourites/:itemId')
  @HttpCode(200)
  removeFavourite(
    @Param('id') id: string,
    @Param('itemId') itemId: string,
    @Headers('x-correlation-id') corr?: string,
  ) {
    return this.write(
      id,
      [profileSteps.removeFavourite(checkParam('itemId', itemId, /^.{1,200}$/))],
      corr,
      undefined,
    );
  }

  @Post('credit')
  @HttpCode(200)
  adjustCredit(@Param('id') id: string, @Body() body: CreditDto, @Headers('x-correlation-id') corr?: string) {
    if (!Number.isSafeInteger(body.amountCents))
      throw new BadRequestException('amountCents must be a safe integer');
    return this.write(id, [profileSteps.adjustCredit(body.amountCents)], corr, undefined);
  }

  @Post('logins')
  @HttpCode(200)
  recordLogin(@Param('id') id: string, @Headers('x-correlation-id') corr?: string) {
    return this.write(id, [profileSteps.recordLogin()], corr, undefined);
  }

  @Post('sessions')
  @HttpCode(200)
  async startSession(
    @Param('id') id: string,
    @Body() body: StartSessionDto,
    @Headers('x-correlation-id') corr?: string,
  ) {
    const sessionId = body.sessionId ?? randomUUID();
    const res = await this.write(id, [profileSteps.startSession(sessionId, body.device)], corr, undefined);
    return { ...res, sessionId };
  }

  @Delete('sessions/:sessionId')
  @HttpCode(200)
  endSession(
    @Param('id') id: string,
    @Param('sessionId') sessionId: string,
    @Body() body: EndSessionDto,
    @Headers('x-correlation-id') corr?: string,
  ) {
    return this.write(
      id,
      [profileSteps.endSession(checkParam('sessionId', sessionId, ID), body?.reason ?? 'logout')],
      corr,
      undefined,
    );
  }
}

@Controller()
export class OpsController {
  constructor(@InjectWriteRole() private readonly role: WriteRole) {}

  /** Liveness, plus whether this region takes writes now (the gateway routes writes by it). */
  @Get('health')
  health() {
    return { status: 'ok', region: this.role.region, writes: this.role.health() };
  }

  @Get('metrics')
  async metrics(@Res() res: Response) {
    res.setHeader('Content-Type', register.contentType);
    res.send(await register.metrics());
  }
}
