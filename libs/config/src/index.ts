// Public API of @meridian/config: typed configuration from the environment, validated at start-up with fix-it messages.
import { z } from 'zod';
import { MeridianError } from '@meridian/errors';

/** A comma-separated list in one variable (`a, b,c` → `['a', 'b', 'c']`; empty items dropped). */
export const commaList = () =>
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** The settings every regional Meridian service reads from its environment. */
export const regionalEnv = {
  REGION: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a region name such as us-east'),
  KAFKA_BROKERS: z.string().min(1).pipe(commaList()),
  REGISTRY_URL: z.string().url('the Confluent-API base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7'),
};

/**
 * Typed configuration from the environment, validated at start-up: one actionable line per bad
 * variable, naming it, instead of a failure deep inside a client later.
 */
/** The environment does not configure the service: each bad variable named, with what it must be. */
export class ConfigError extends MeridianError<'INVALID_CONFIG'> {
  constructor(message: string) {
    super('INVALID_CONFIG', message);
  }
}

export function loadEnv<S extends z.ZodRawShape>(
  service: string,
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const r = z.object(shape).safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`${service} configuration is invalid:\n${lines.join('\n')}`);
  }
  return r.data;
}

/**
 * Listens on loopback with keep-alive longer than the clients' and proxies' idle timeouts. Node's
 * default (5 s) lets a server close an idle pooled connection just as a client reuses it, which
 * clients see as a reset on a request that was never processed.
 */
export async function listenHttp(
  app: { listen(port: number, host: string): Promise<unknown>; getHttpServer(): unknown },
  port: number,
): Promise<void> {
  await app.listen(port, '127.0.0.1');
  const server = app.getHttpServer() as { keepAliveTimeout: number; headersTimeout: number };
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}
