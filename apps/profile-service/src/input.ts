import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
  ValidationPipe,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ValidationError } from 'class-validator';
import type { NextFunction, Request, Response } from 'express';

/**
 * The HTTP input edge of profile-service: how a request body becomes a DTO, and the 4xx for each
 * way that can fail. Everything here runs before a controller, so a refused request publishes
 * nothing.
 *
 * In order:
 * 1. The body is read as bytes, at most `maxBodyBytes` (after Content-Encoding) → else 413.
 * 2. An empty body is no body: `req.body` stays undefined whatever the Content-Type says, so
 *    writes without one (POST /logins, the DELETE routes) need no Content-Type at all.
 * 3. A non-empty body must be `application/json`, charset UTF-8 if one is named → else 415 naming
 *    the type received. A body with no Content-Type is refused too (415): guessing would turn a
 *    client's form or text into a write it did not mean.
 * 4. The bytes must be well-formed UTF-8 → else 400 "body is not valid UTF-8 at byte N" (a lenient
 *    decode would store U+FFFD in place of the client's text). A leading BOM is ignored.
 * 5. The text must be JSON and its top level an object → else 400.
 * 6. No key may be `__proto__`, `constructor` or `prototype`, at any depth, and nesting stays
 *    within `maxDepth` → else 400 naming the path. (JSON.parse makes `__proto__` an own key;
 *    class-transformer drops it silently, so the whitelist below would never see it.)
 * 7. The route's DTO validates it: unknown fields are refused, and each field gets one message,
 *    its most basic failed rule (presence, then type, then content; see `flatten`).
 */
export interface InputOptions {
  /** Largest accepted body, in bytes after decompression. */
  maxBodyBytes?: number;
  /** Deepest accepted nesting of objects and arrays in a body (the top-level object is depth 1). */
  maxDepth?: number;
}

export const INPUT_DEFAULTS: Required<InputOptions> = { maxBodyBytes: 100 * 1024, maxDepth: 32 };

/** Keys that name or reach an object's prototype; refused anywhere in a body. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Installs the input edge on an express Nest app. Create the app with `{ bodyParser: false }`:
 * this replaces Nest's default JSON and urlencoded parsers (were they left on, they would run
 * after these and find the body already read, so they would do nothing).
 */
export function configureInput(app: NestExpressApplication, options: InputOptions = {}): void {
  const { maxBodyBytes, maxDepth } = { ...INPUT_DEFAULTS, ...options };
  // Any type: the Content-Type is judged after reading, once an empty body is known to be none.
  app.useBodyParser('raw', { type: () => true, limit: maxBodyBytes });
  app.use(readErrors(maxBodyBytes));
  app.use(jsonBody(maxDepth));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // 400 whose message names each offending field.
      exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
    }),
  );
}

/**
 * Rules whose failure explains every other failure of the same field, most basic first: a missing
 * value also fails its type and length rules, a number also fails `MaxLength`. class-validator runs
 * a property's rules in an order of its own (the reverse of how they are written), so the cause is
 * picked here by name rather than by stopping at the first failure.
 */
const CAUSE_FIRST = ['whitelistValidation', 'isRequired', 'isString', 'isInt', 'isIn'];

/**
 * `field: message` for each failed field: one message, its most basic failed rule, without
 * repeating the field name inside the message ("tag: is required", "displayName: must be a string").
 */
function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const constraints = e.constraints ?? {};
    const rule = CAUSE_FIRST.find((r) => r in constraints) ?? Object.keys(constraints)[0];
    const m = rule === undefined ? undefined : constraints[rule]!;
    const own =
      m === undefined
        ? []
        : [`${path}: ${m.startsWith(`${e.property} `) ? m.slice(e.property.length + 1) : m}`];
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** The raw parser's own failures (http-errors) as Nest exceptions with a message a client can act on. */
function readErrors(maxBodyBytes: number) {
  return (err: unknown, req: Request, _res: Response, next: NextFunction): void => {
    const e = err as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown };
    if (e.type === 'entity.too.large') {
      return next(new PayloadTooLargeException(`body is larger than the limit of ${maxBodyBytes} bytes`));
    }
    if (e.type === 'encoding.unsupported') {
      return next(
        new UnsupportedMediaTypeException(
          `Content-Encoding ${req.headers['content-encoding']} is not supported; send identity, gzip, deflate or br`,
        ),
      );
    }
    // Other client-side read failures (aborted, length mismatch) keep their status and message.
    if (e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return next(new HttpException(String(e.message), e.status));
    }
    next(err);
  };
}

function jsonBody(maxDepth: number) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const raw: unknown = req.body;
    if (!Buffer.isBuffer(raw) || raw.length === 0) {
      req.body = undefined;
      return next();
    }
    try {
      req.body = parseJsonObject(req.headers['content-type'], raw, maxDepth);
      next();
    } catch (e) {
      next(e);
    }
  };
}

/** A non-empty request body as a plain JSON object, or the HttpException saying why not. */
function parseJsonObject(
  contentType: string | undefined,
  bytes: Uint8Array,
  maxDepth = INPUT_DEFAULTS.maxDepth,
): Record<string, unknown> {
  checkContentType(contentType);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8Byte(bytes);
    throw new BadRequestException(`body is not valid UTF-8${at >= 0 ? ` at byte ${at}` : ''}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BadRequestException(`body is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new BadRequestException(`body must be a JSON object, got ${got}`);
  }
  const problems = shapeProblems(value, maxDepth);
  if (problems.length > 0) throw new BadRequestException(problems);
  return value as Record<string, unknown>;
}

function checkContentType(header: string | undefined): void {
  if (header === undefined || header.trim() === '') {
    throw new UnsupportedMediaTypeException(
      'request body has no Content-Type; send it as Content-Type: application/json',
    );
  }
  const [type = '', ...params] = header.split(';');
  const mediaType = type.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new UnsupportedMediaTypeException(
      `Content-Type ${mediaType || header} is not supported; send application/json`,
    );
  }
  for (const p of params) {
    const [name = '', value = ''] = p.split('=');
    const charset = value.trim().replace(/^"(.*)"$/, '$1');
    if (name.trim().toLowerCase() === 'charset' && !/^utf-?8$/i.test(charset)) {
      throw new UnsupportedMediaTypeException(
        `charset ${charset} is not supported; send application/json in UTF-8`,
      );
    }
  }
}

/**
 * Paths of prototype keys and of nesting past `maxDepth`. Iterative, so a deeply nested body
 * cannot overflow the stack here (or reach class-transformer's recursion).
 */
function shapeProblems(root: object, maxDepth: number): string[] {
  const problems: string[] = [];
  const todo: Array<{ value: object; path: string; depth: number }> = [{ value: root, path: '', depth: 1 }];
  while (todo.length > 0) {
    const { value, path, depth } = todo.pop()!;
    if (depth > maxDepth) {
      problems.push(`${path}: nested deeper than ${maxDepth} levels`);
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach((v: unknown, i) => {
        if (typeof v === 'object' && v !== null)
          todo.push({ value: v, path: `${path}[${i}]`, depth: depth + 1 });
      });
      continue;
    }
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (PROTOTYPE_KEYS.has(k)) problems.push(`${p}: is not allowed as a key`);
      else if (typeof v === 'object' && v !== null) todo.push({ value: v, path: p, depth: depth + 1 });
    }
  }
  return problems;
}

/**
 * Offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or -1 when all of `bytes` is well-formed.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // Continuation bytes needed, and the bounds of the first one (the later ones are 80..BF).
    let more: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b === 0xe0) [more, lo] = [2, 0xa0];
    else if (b === 0xed) [more, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) more = 2;
    else if (b === 0xf0) [more, lo] = [3, 0x90];
    else if (b >= 0xf1 && b <= 0xf3) more = 3;
    else if (b === 0xf4) [more, hi] = [3, 0x8f];
    else return i;
    for (let k = 1; k <= more; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}
