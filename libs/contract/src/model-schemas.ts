import { ContractError } from './errors';
import { EVENT_SCHEMAS, type EventName } from './generated';
import type { ReaderSchema } from './serde';
import { loadSchemaFiles, readSchemaDir } from './schema-set';

/**
 * The Meridian envelope as this build knows it, taken from a generated event schema (every event's
 * first field inlines it), so a team's package needs no copy of Meridian's `schemas/` directory.
 */
export function envelopeSchemaText(): string {
  const first = Object.keys(EVENT_SCHEMAS)[0] as EventName;
  const event = JSON.parse(EVENT_SCHEMAS[first]) as { fields: { name: string; type: unknown }[] };
  const envelope = event.fields[0];
  if (envelope?.name !== 'envelope')
    throw new ContractError('INVALID_SCHEMA', `${first}: its first field is not the envelope`);
  return JSON.stringify(envelope.type);
}

/**
 * A team's event schemas, self-contained and ready for a model definition, the serde and the
 * registry: every `.avsc` under `dir` (files may reference `io.meridian.envelope.v1.Envelope` and
 * each other's named types), with the envelope inlined. Only event records are returned.
 */
export function loadModelSchemas(dir: string): ReaderSchema[] {
  const files = readSchemaDir(dir);
  if (files.size === 0)
    throw new ContractError('INVALID_SCHEMA', `${dir}: no .avsc files (a model needs its event schemas)`);
  // Under a name no team file can take, so the envelope cannot be shadowed.
  files.set('\0meridian/envelope.avsc', envelopeSchemaText());
  const set = loadSchemaFiles(files);
  if (set.events.length === 0)
    throw new ContractError(
      'INVALID_SCHEMA',
      `${dir}: no event schema (an event record's first field is "envelope" of type io.meridian.envelope.v1.Envelope)`,
    );
  return set.events.map((s) => ({ fullName: s.fullName, text: s.text }));
}
