import { randomUUID } from 'node:crypto';

/** A name no other test (or earlier run) uses: tests share the long-lived local brokers. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}-${Date.now().toString(36)}`;
}
