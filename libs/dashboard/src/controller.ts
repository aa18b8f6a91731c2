import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Post,
  Headers,
  type Type,
} from '@nestjs/common';
import { DashboardError, FailoverRunner } from './failover-runner';
import { DASHBOARD_HTML } from './page';
import { DashboardSource } from './state';

function http(e: unknown): never {
  if (e instanceof DashboardError)
    throw new HttpException({ code: e.code, message: e.message }, e.httpStatus);
  throw e;
}

/**
 * `GET /dashboard` (the page), `GET /dashboard/api/state`, and in Phase A `POST
 * /dashboard/api/failover` (Bearer operator token; body `{to, confirm, operator}`) → 202 with the
 * run, followed at `GET /dashboard/api/failover/:id`.
 */
export function dashboardController(runner?: FailoverRunner): Type<unknown> {
  @Controller('dashboard')
  class DashboardController {
    constructor(@Inject(DashboardSource) private readonly s: DashboardSource) {}

    @Get()
    @Header('content-type', 'text/html; charset=utf-8')
    @Header('cache-control', 'no-store')
    @Header(
      'content-security-policy',
      "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    )
    page(): string {
      return DASHBOARD_HTML;
    }

    @Get('api/state')
    @Header('cache-control', 'no-store')
    state() {
      return this.s.snapshot();
    }

    @Post('api/failover')
    @HttpCode(202)
    start(@Headers('authorization') auth: string | undefined, @Body() body: unknown) {
      try {
        if (!runner)
          throw new DashboardError(
            'FAILOVER_DISABLED',
            'this topology has no failover (Phase B: every region writes)',
          );
        runner.authorise(auth);
        return runner.start((body ?? {}) as Record<string, unknown>);
      } catch (e) {
        http(e);
      }
    }

    @Get('api/failover/:id')
    @Header('cache-control', 'no-store')
    run(@Param('id') id: string) {
      try {
        if (!runner) throw new DashboardError('NOT_FOUND', `no failover ${id}`);
        return runner.get(id);
      } catch (e) {
        http(e);
      }
    }
  }
  return DashboardController;
}
