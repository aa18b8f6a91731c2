import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LocalPaths } from './paths';

/**
 * The local topology's dashboard operator token: generated on first use into the git-ignored home
 * (mode 0600), then reused, so `local up` after `local down` keeps it. Given to the monitor as
 * DASHBOARD_OPERATOR_TOKEN; an operator (or a test) reads it from the file.
 */
export function operatorToken(paths: LocalPaths): string {
  const file = paths.operatorTokenFile;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}
