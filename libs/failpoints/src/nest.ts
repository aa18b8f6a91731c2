import { BadRequestException, Body, Controller, Delete, Get, Inject, Param, Put } from '@nestjs/common';
import pino from 'pino';
import { FailpointError, Failpoints, type FailpointSpec } from './failpoints';

/**
 * Arms and disarms a process's failpoints over HTTP (`PUT /failpoints/<name> {"action":"crash",
 * "onHit":2}`, `DELETE /failpoints/<name>`, `GET /failpoints`). Provide the process's `Failpoints`
 * under this class and mount the controller only where the configuration enables it (the local test
 * topology): an endpoint that kills or fails the process has no place in production.
 */
@Controller('failpoints')
export class FailpointsController {
  private readonly log = pino({ name: 'meridian-failpoints' });
  constructor(@Inject(Failpoints) private readonly failpoints: Failpoints) {}

  @Get()
  list() {
    return { known: this.failpoints.known, armed: this.failpoints.list() };
  }

  @Put(':name')
  arm(@Param('name') name: string, @Body() spec: FailpointSpec) {
    try {
      this.failpoints.arm(name, spec ?? {});
    } catch (e) {
      if (e instanceof FailpointError) throw new BadRequestException(e.message);
      throw e;
    }
    this.log.warn({ failpoint: name, spec }, 'failpoint armed');
    return { armed: this.failpoints.list() };
  }

  @Delete(':name')
  disarm(@Param('name') name: string) {
    this.failpoints.disarm(name);
    return { armed: this.failpoints.list() };
  }
}
