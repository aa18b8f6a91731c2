import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createFileEncoder, type streams } from 'avsc';
import { generatedReaders, type MeridianEvent, parseAvro } from '@meridian/contract';

/** Decoded events as newline-delimited JSON (one event per line, with its source coordinates). */
export class NdjsonExport {
  private readonly out: WriteStream;
  constructor(file: string) {
    this.out = createWriteStream(file);
  }
  write(event: MeridianEvent, source: { topic: string; partition: number; offset: string }): void {
    this.out.write(`${JSON.stringify({ ...event, _source: source })}\n`);
  }
  close(): Promise<void> {
    return new Promise((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}

/**
 * Decoded events as Avro object container files, one per event type (`<dir>/<full name>.avro`), each
 * with its writer schema embedded in the header, so any Avro reader can open them without a registry.
 */
export class AvroContainerExport {
  private readonly encoders = new Map<string, streams.BlockEncoder>();
  private readonly done: Promise<void>[] = [];
  private readonly schemas = new Map(generatedReaders().map((r) => [r.fullName, r.text]));

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(event: MeridianEvent): void {
    let enc = this.encoders.get(event.type);
    if (!enc) {
      const text = this.schemas.get(event.type);
      if (!text) throw new Error(`no schema for ${event.type}`);
      enc = createFileEncoder(join(this.dir, `${event.type}.avro`), parseAvro(text));
      this.done.push(
        new Promise<void>((resolve, reject) => enc!.on('finish', () => resolve()).on('error', reject)),
      );
      this.encoders.set(event.type, enc);
    }
    enc.write(event);
  }

  async close(): Promise<void> {
    for (const e of this.encoders.values()) e.end();
    await Promise.all(this.done);
  }
}
