import { BadRequestException, Body, Controller, Delete, Get, Inject, Param, Put } from '@nestjs/common';
import { FailpointError, type FailpointSpec } from '@meridian/failpoints';
import { Projector } from './projector';

/**
 * Arms and disarms the projector's failpoints (`PUT /failpoints/store.commit.after {"action":
 * "crash","onHit":2}`). Mounted only with FAILPOINTS_HTTP=true (the local test topology): an
 * endpoint that kills the process has no place in production.
 */
@Controller('failpoints')
export class FailpointsController {
  constructor(@Inject(Projector) private readonly projector: Projector) {}

  @Get()
  list() {
    return { known: this.projector.failpoints.known, armed: this.projector.failpoints.list() };
  }

  @Put(':name')
  arm(@Param('name') name: string, @Body() spec: FailpointSpec) {
    try {
      this.projector.failpoints.arm(name, spec ?? {});
    } catch (e) {
      if (e instanceof FailpointError) throw new BadRequestException(e.message);
      throw e;
    }
    this.projector.log.warn({ failpoint: name, spec }, 'failpoint armed');
    return { armed: this.projector.failpoints.list() };
  }

  @Delete(':name')
  disarm(@Param('name') name: string) {
    this.projector.failpoints.disarm(name);
    return { armed: this.projector.failpoints.list() };
  }
}
