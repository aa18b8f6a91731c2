import pino from 'pino';
import pretty from 'pino-pretty';

/** Human-readable structured logs on stderr (stdout stays for tables and --json output). */
export function cliLogger(level = process.env.LOG_LEVEL ?? 'info') {
  return pino(
    { level, base: undefined },
    pretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY,
      ignore: 'pid,hostname',
      translateTime: 'HH:MM:ss.l',
    }),
  );
}
