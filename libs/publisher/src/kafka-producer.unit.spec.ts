import { isBeforeSend } from './kafka-producer';

/** kafkajs' own messages (network/connection.js, producer/sendMessages.js) and how each is classed. */
const wrap = (message: string, cause?: Error) => Object.assign(new Error(message), cause ? { cause } : {});

describe('isBeforeSend: NOT_STORED only when no produce request can have been written', () => {
  it.each([
    'Connection error: connect ECONNREFUSED 127.0.0.1:19092',
    'Connection timeout',
    'Not connected',
    'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:19092',
  ])('before the send: %s', (m) => expect(isBeforeSend(wrap(m))).toBe(true));

  it.each([
    'Request Produce(key: 0, version: 7) timed out',
    'Connection error: read ECONNRESET',
    'Connection closed by the server',
    'This server is not the leader for that topic-partition',
    'something kafkajs never said before',
  ])('possibly stored: %s', (m) => expect(isBeforeSend(wrap(m))).toBe(false));

  it('a refused reconnect after a timed-out attempt is possibly stored (the chain is read, not only the last cause)', () => {
    const e = wrap(
      'Connection error: connect ECONNREFUSED 127.0.0.1:19092',
      wrap('Request Produce(key: 0, version: 7) timed out'),
    );
    expect(isBeforeSend(e)).toBe(false);
  });
});
