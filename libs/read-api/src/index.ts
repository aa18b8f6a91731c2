// Public API of @meridian/read-api: the projector's HTTP read API — its answers' types and a client.
export type {
  AggregateView,
  ConflictsView,
  DigestPageView,
  DigestView,
  DocumentView,
  PositionsView,
} from './dto';
export { ReadApiClient, ReadApiError, type ReadApiClientOptions } from './client';
