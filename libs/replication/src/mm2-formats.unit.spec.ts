import { encodeOffsetSync, FormatError, parseHeartbeat, parseOffsetSync } from './mm2-formats';

describe('MirrorMaker 2 record formats', () => {
  it('round-trips an offset sync', () => {
    const s = { topic: 'meridian.profile', partition: 2, upstreamOffset: 12345n, downstreamOffset: 12001n };
    const { key, value } = encodeOffsetSync(s);
    expect(parseOffsetSync(key, value)).toEqual(s);
  });

  it('parses a heartbeat (version, then timestamp)', () => {
    const key = Buffer.concat([
      Buffer.from([0, 7]),
      Buffer.from('us-east'),
      Buffer.from([0, 2]),
      Buffer.from('eu'),
    ]);
    const value = Buffer.alloc(10);
    value.writeInt16BE(0, 0);
    value.writeBigInt64BE(1_700_000_000_123n, 2);
    expect(parseHeartbeat(key, value)).toEqual({
      sourceAlias: 'us-east',
      targetAlias: 'eu',
      timestampMs: 1_700_000_000_123,
    });
  });

  it('rejects truncated records with a FormatError', () => {
    expect(() => parseOffsetSync(Buffer.from([0, 9, 65]), Buffer.alloc(16))).toThrow(FormatError);
    expect(() =>
      parseOffsetSync(
        encodeOffsetSync({ topic: 't', partition: 0, upstreamOffset: 1n, downstreamOffset: 1n }).key,
        Buffer.alloc(8),
      ),
    ).toThrow(FormatError);
  });
});
