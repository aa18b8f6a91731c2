/**
 * The state digest regions compare. Defined on content only, so an adapter can compute it by
 * streaming (aggregateType, aggregateId, digest) rows in UTF-8 byte order, which is what SQLite's
 * BINARY collation and PostgreSQL's "C" collation both give natively (JavaScript's `<` compares
 * UTF-16 code units, which differs for characters above U+FFFF, hence `compareUtf8`).
 */
import { createHash, type Hash } from 'node:crypto';
import type { StateDigest } from './store';

export class StateDigestBuilder {
  private readonly hash: Hash = createHash('sha256');
  private pending = '';
  private count = 0;

  /** Rows must arrive sorted by (aggregateType, aggregateId) in UTF-8 byte order. */
  add(aggregateType: string, aggregateId: string, digest: string): void {
    this.pending += `${aggregateType}\t${aggregateId}\t${digest}\n`;
    this.count += 1;
    // Hash in chunks: one update per row costs more than the hashing itself.
    if (this.pending.length >= 1 << 16) this.flush();
  }

  finish(): StateDigest {
    this.flush();
    return { digest: this.hash.digest('hex'), aggregates: this.count };
  }

  private flush(): void {
    if (this.pending.length > 0) this.hash.update(this.pending, 'utf8');
    this.pending = '';
  }
}

/** UTF-8 byte order (= code point order). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Reference implementation over in-memory rows, in any order: the definition adapters must match. */
export function stateDigestOf(
  rows: Iterable<{ aggregateType: string; aggregateId: string; digest: string }>,
): StateDigest {
  const sorted = [...rows].sort(
    (x, y) => compareUtf8(x.aggregateType, y.aggregateType) || compareUtf8(x.aggregateId, y.aggregateId),
  );
  const b = new StateDigestBuilder();
  for (const r of sorted) b.add(r.aggregateType, r.aggregateId, r.digest);
  return b.finish();
}
