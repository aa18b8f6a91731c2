import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { gzipSync } from 'node:zlib';
import { EventPublisher } from '@meridian/publisher';
import { ProfileController } from './profile.controller';
import { configureInput, firstInvalidUtf8Byte, INPUT_DEFAULTS } from './input';

// The real controller and DTOs behind `configureInput`, with a publisher that only counts: every
// refused request must answer 4xx naming its cause and publish nothing.
describe('profile-service input edge', () => {
  const publish = jest.fn(async () => []);
  let app: NestExpressApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ProfileController],
      providers: [{ provide: EventPublisher, useValue: { publish } }],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
    configureInput(app);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());
  beforeEach(() => publish.mockClear());

  async function send(
    method: string,
    path: string,
    body?: string | Uint8Array,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Promise<{ status: number; message: unknown }> {
    const res = await fetch(`${base}/profiles/p1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const json = (await res.json()) as { message?: unknown };
    return { status: res.status, message: json.message };
  }

  /** The published steps' payloads, to see exactly what would have been stored. */
  const published = () =>
    publish.mock.calls.flatMap((c) =>
      (c as unknown as [string, string, { payload: () => unknown }[]])[2].map((s) => s.payload()),
    );

  describe('still accepted', () => {
    it.each([
      ['PATCH', '', '{"displayName":"Zoë 🎉"}', { 'content-type': 'application/json' }],
      ['PATCH', '', '{"displayName":"x"}', { 'content-type': 'application/json; charset="UTF-8"' }],
      ['PATCH', '', '\ufeff{"displayName":"x"}', { 'content-type': 'application/json' }],
      ['POST', '/logins', undefined, {}],
      ['POST', '/logins', undefined, { 'content-type': 'application/json' }],
      ['POST', '/logins', '', { 'content-type': 'text/plain' }],
      ['DELETE', '/sessions/s1', undefined, {}],
      ['DELETE', '/tags/t1', undefined, {}],
      ['DELETE', '/sessions/s1', '{"reason":"expired"}', { 'content-type': 'application/json' }],
      ['POST', '/credit', '{"amountCents":-250}', { 'content-type': 'application/json' }],
    ])('%s %s %j (%j) → 200, published once', async (method, path, body, headers) => {
      const res = await send(method, path, body, headers);
      expect(res).toMatchObject({ status: 200 });
      expect(publish).toHaveBeenCalledTimes(1);
    });

    it('stores multi-byte UTF-8 text exactly as sent', async () => {
      await send('PATCH', '', Buffer.from('{"displayName":"Zoë 🎉 日本"}', 'utf8'));
      expect(published()).toEqual([expect.objectContaining({ field: 'displayName', value: 'Zoë 🎉 日本' })]);
    });

    it('reads a gzip-encoded body', async () => {
      const res = await send('POST', '/tags', gzipSync('{"tag":"vip"}'), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(res.status).toBe(200);
      expect(published()).toEqual([expect.objectContaining({ tag: 'vip' })]);
    });
  });

  describe('the aggregate id follows the one rule the store and the read API use', () => {
    const at = (id: string) => fetch(`${base}/profiles/${encodeURIComponent(id)}/logins`, { method: 'POST' });

    it.each(['ana@example.com', 'order/123', 'Zoë', 'x'.repeat(512)])(
      '%j → 200, published under it',
      async (id) => {
        const res = await at(id);
        expect(res.status).toBe(200);
        expect(publish).toHaveBeenCalledWith('profile', id, expect.anything(), expect.anything());
      },
    );

    it.each([
      ['x'.repeat(513), 'id must be a string of 1..512 characters'],
      ['a\tb', 'contains a control character'],
    ])('%j → 400 naming the field, nothing published', async (id, message) => {
      const res = await at(id);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(message);
      expect(publish).not.toHaveBeenCalled();
    });
  });

  async function refused(
    req: [method: string, path: string, body?: string | Uint8Array, headers?: Record<string, string>],
    status: number,
  ): Promise<string> {
    const res = await send(...req);
    expect(res.status).toBe(status);
    expect(publish).not.toHaveBeenCalled();
    return JSON.stringify(res.message);
  }

  describe('1. prototype keys are refused like any unknown field', () => {
    it.each([
      ['PATCH', '', '{"displayName":"x","__proto__":{"a":1}}', '__proto__: is not allowed as a key'],
      ['PATCH', '', '{"displayName":"x","__proto__":null}', '__proto__: is not allowed as a key'],
      ['POST', '/tags', '{"tag":"a","constructor":{"prototype":{"x":1}}}', 'constructor: is not allowed'],
      ['POST', '/tags', '{"tag":"a","prototype":1}', 'prototype: is not allowed as a key'],
      [
        'PUT',
        '/preferences/k',
        '{"value":"v","meta":{"__proto__":{"isAdmin":true}}}',
        'meta.__proto__: is not',
      ],
      ['PUT', '/preferences/k', '{"value":"v","list":[1,{"__proto__":1}]}', 'list[1].__proto__: is not'],
    ])('%s %s %s → 400 %j', async (method, path, body, message) => {
      expect(await refused([method, path, body], 400)).toContain(message);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('refuses nesting deeper than the limit instead of recursing into it', async () => {
      const deep = '{"tag":"a","x":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
      expect(await refused(['POST', '/tags', deep], 400)).toContain(
        `nested deeper than ${INPUT_DEFAULTS.maxDepth} levels`,
      );
    });
  });

  describe('2. the body must be well-formed UTF-8', () => {
    const bytes = (...parts: (string | number[])[]) =>
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    it.each([
      ['latin-1 é', bytes('{"displayName":"caf', [0xe9], '"}'), 19],
      ['overlong "/"', bytes('{"displayName":"', [0xc0, 0xaf], '"}'), 16],
      ['UTF-16 surrogate', bytes('{"displayName":"a', [0xed, 0xa0, 0x80], '"}'), 17],
      ['truncated 4-byte', bytes('{"displayName":"a', [0xf0, 0x9f, 0x8e], '"}'), 17],
      ['past U+10FFFF', bytes('{"displayName":"', [0xf4, 0x90, 0x80, 0x80], '"}'), 16],
    ])('%s → 400 naming the byte', async (_name, body, at) => {
      expect(await refused(['PATCH', '', body], 400)).toContain(`body is not valid UTF-8 at byte ${at}`);
    });

    it('finds the first invalid byte (or none)', () => {
      expect(firstInvalidUtf8Byte(Buffer.from('plain ascii, é, 🎉, 日本'))).toBe(-1);
      expect(firstInvalidUtf8Byte(Buffer.from([0x61, 0x80]))).toBe(1);
      expect(firstInvalidUtf8Byte(Buffer.from([0xe0, 0x80, 0x80]))).toBe(0); // overlong
      expect(firstInvalidUtf8Byte(Buffer.from([0xc3]))).toBe(0); // cut short
      expect(firstInvalidUtf8Byte(Buffer.from([0xff]))).toBe(0);
    });
  });

  describe('3. a missing or mistyped field gets its real cause, once', () => {
    it.each([
      ['PATCH', '', { displayName: 5 }, 'displayName: must be a string'],
      ['PATCH', '', { displayName: null }, 'displayName: must be a string'],
      ['PATCH', '', { displayName: '' }, 'displayName: should not be empty'],
      [
        'PATCH',
        '',
        { displayName: 'x'.repeat(201) },
        'displayName: must be shorter than or equal to 200 characters',
      ],
      ['PATCH', '', { email: 5 }, 'email: must be a string'],
      ['PATCH', '', { email: 'nope' }, 'email: must be an email'],
      ['PATCH', '', { locale: ['en'] }, 'locale: must be a string'],
      ['PATCH', '', { locale: 'English' }, 'locale: must be a BCP 47 tag such as en-GB'],
      ['PATCH', '', { displayName: 'x', colour: 'red' }, 'colour: property colour should not exist'],
      ['PUT', '/preferences/k', {}, 'value: is required'],
      ['PUT', '/preferences/k', { value: 1 }, 'value: must be a string'],
      ['POST', '/tags', {}, 'tag: is required'],
      ['POST', '/tags', { tag: 5 }, 'tag: must be a string'],
      ['POST', '/tags', { tag: null }, 'tag: must be a string'],
      ['POST', '/tags', { tag: '' }, 'tag: should not be empty'],
      ['POST', '/favourites', {}, 'itemId: is required'],
      ['POST', '/favourites', { itemId: {} }, 'itemId: must be a string'],
      ['POST', '/credit', {}, 'amountCents: is required'],
      ['POST', '/credit', { amountCents: '5' }, 'amountCents: must be an integer number of cents'],
      ['POST', '/credit', { amountCents: 1.5 }, 'amountCents: must be an integer number of cents'],
      ['POST', '/credit', { amountCents: 0 }, 'amountCents: must not be 0'],
      ['POST', '/sessions', {}, 'device: is required'],
      ['POST', '/sessions', { device: 7 }, 'device: must be a string'],
      ['POST', '/sessions', { device: 'd', sessionId: 5 }, 'sessionId: must be a string'],
      [
        'POST',
        '/sessions',
        { device: 'd', sessionId: 'a b' },
        'sessionId: must be 1-128 of A-Z a-z 0-9 . _ -',
      ],
      [
        'DELETE',
        '/sessions/s1',
        { reason: 5 },
        'reason: must be one of the following values: logout, expired, revoked',
      ],
    ])('%s %s %j → 400 [%j]', async (method, path, body, message) => {
      const res = await send(method, path, JSON.stringify(body));
      expect(res).toEqual({ status: 400, message: [message] });
      expect(publish).not.toHaveBeenCalled();
    });
  });

  describe('4. a body that is not JSON gets 415', () => {
    it.each([
      [{ 'content-type': 'text/plain' }, 'Content-Type text/plain is not supported; send application/json'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'application/x-www-form-urlencoded is not'],
      [{ 'content-type': 'application/json; charset=latin1' }, 'charset latin1 is not supported'],
      [{}, 'request body has no Content-Type; send it as Content-Type: application/json'],
    ])('%j → 415 %j', async (headers, message) => {
      // fetch labels a string body text/plain unless told otherwise: send bytes for "no type".
      const body = Buffer.from('{"displayName":"x"}');
      expect(await refused(['PATCH', '', body, headers], 415)).toContain(message);
    });

    it('refuses an unknown Content-Encoding with 415', async () => {
      const headers = { 'content-type': 'application/json', 'content-encoding': 'rot13' };
      expect(await refused(['POST', '/tags', '{"tag":"a"}', headers], 415)).toContain(
        'Content-Encoding rot13',
      );
    });
  });

  describe('5. malformed or oversized bodies', () => {
    it.each([
      ['{"displayName":', 'body is not valid JSON: '],
      ['{"displayName":"x",}', 'body is not valid JSON: '],
      ['   ', 'body is not valid JSON: '],
      ['[{"displayName":"x"}]', 'body must be a JSON object, got an array'],
      ['"x"', 'body must be a JSON object, got a string'],
      ['null', 'body must be a JSON object, got null'],
    ])('%j → 400 %j', async (body, message) => {
      expect(await refused(['PATCH', '', body], 400)).toContain(message);
    });

    it('answers 413 for a body over the limit', async () => {
      const body = JSON.stringify({ value: 'x'.repeat(INPUT_DEFAULTS.maxBodyBytes) });
      expect(await refused(['PUT', '/preferences/k', body], 413)).toContain(
        `body is larger than the limit of ${INPUT_DEFAULTS.maxBodyBytes} bytes`,
      );
    });

    it('answers 413 for a gzip body that inflates past the limit', async () => {
      const body = gzipSync(JSON.stringify({ value: 'x'.repeat(INPUT_DEFAULTS.maxBodyBytes) }));
      const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
      expect(await refused(['PUT', '/preferences/k', body, headers], 413)).toContain('body is larger');
    });
  });
});
