/** Root of every error thrown by @meridian/topology. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  constructor(
    message: string,
    readonly code: 'TOPOLOGY_NOT_FOUND' | 'TOPOLOGY_INVALID' | 'TOPOLOGY_UNKNOWN_REGION',
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
