import {
  Controller,
  Get,
  Headers,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { aggregateIdProblem, aggregateTypeProblem } from '@meridian/domain';
import { type Document, documentVersion, lwwConflicts, readDocument } from '@meridian/merge';
import { Projector } from './projector';
import type {
  AggregateView,
  ConflictsView,
  DigestPageView,
  DigestView,
  DocumentView,
  PositionsView,
} from '@meridian/read-api';

/** Edge caches may serve a copy for 1 s and revalidate with the ETag (a 304 costs one digest compare). */
const CACHE_CONTROL = 'public, max-age=0, s-maxage=1, stale-while-revalidate=5';

@Controller()
export class ReadController {
  constructor(@Inject(Projector) private readonly projector: Projector) {}

  private async load(type: string, id: string) {
    const problem = aggregateTypeProblem(type, 'type') ?? aggregateIdProblem(id, 'id');
    if (problem !== undefined) throw new HttpException(problem, HttpStatus.BAD_REQUEST);
    const stored = await this.projector.store.getDocument(type, id);
    if (!stored) throw new NotFoundException(`no ${type} ${id} in ${this.projector.config.REGION}`);
    return stored;
  }

  /** The merged state of one aggregate, its version vector, and an ETag from its digest. */
  @Get('aggregates/:type/:id')
  async get(
    @Param('type') type: string,
    @Param('id') id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ) {
    const stored = await this.load(type, id);
    const etag = `"${stored.digest}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', CACHE_CONTROL);
    if (ifNoneMatch === etag) return res.status(304).end();
    const doc = stored.state as Document;
    const model = this.projector.models.models.find((m) => m.aggregateType === type);
    const view: AggregateView = {
      aggregateType: type,
      aggregateId: id,
      region: this.projector.config.REGION,
      state: readDocument(doc),
      ...(model ? { view: model.read(doc) } : {}),
      version: documentVersion(doc),
      digest: stored.digest,
      updatedAtMs: stored.updatedAtMs,
    };
    res.json(view);
  }

  /** The aggregate's LWW conflicts (concurrent writes the rule decided), the same in every region. */
  @Get('aggregates/:type/:id/conflicts')
  async conflicts(@Param('type') type: string, @Param('id') id: string): Promise<ConflictsView> {
    const stored = await this.load(type, id);
    return {
      aggregateType: type,
      aggregateId: id,
      region: this.projector.config.REGION,
      digest: stored.digest,
      conflicts: lwwConflicts(stored.state as Document),
    };
  }

  /** The raw merge document (dots and causal context): what writers need to build removes. */
  @Get('aggregates/:type/:id/document')
  async document(@Param('type') type: string, @Param('id') id: string): Promise<DocumentView> {
    const stored = await this.load(type, id);
    return { digest: stored.digest, document: stored.state as Document };
  }

  /** Digest of the region's whole state and per aggregate type: regions agree iff these are equal. */
  @Get('digest')
  async digest(@Query('type') type?: string): Promise<DigestView> {
    const all = await this.projector.store.stateDigest(type);
    return { region: this.projector.config.REGION, ...(type ? { aggregateType: type } : {}), ...all };
  }

  /** Per-aggregate digests, paged, to find the aggregates where two regions differ. */
  @Get('digest/:type')
  async digests(
    @Param('type') type: string,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ): Promise<DigestPageView> {
    return this.projector.store.aggregateDigests(type, {
      ...(after ? { afterId: after } : {}),
      ...(limit ? { limit: Number(limit) } : {}),
    });
  }

  /** Per source region and partition: the next offset to apply and the HLC of the last applied event. */
  @Get('positions')
  async positions(): Promise<PositionsView> {
    const list = await this.projector.store.positions();
    const stats = await this.projector.store.stats();
    return {
      region: this.projector.config.REGION,
      positions: list,
      stats,
      writerEpochs: this.projector.epochs.stats(),
    };
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }
}
