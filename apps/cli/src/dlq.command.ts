import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { ConfluentSchemaRegistry, ContractError, EventSerde } from '@meridian/contract';
import { loadModels } from '@meridian/domain';
import {
  addressOf,
  countByCode,
  type DeadLetter,
  filterDeadLetters,
  findDeadLetter,
  KafkaDeadLetterQueue,
  parseOffsetRef,
  parseSince,
  type ReapplyProgress,
  selectDeadLetters,
} from '@meridian/projector';
import {
  type Decoded,
  indexSummary,
  inspectJson,
  inspectText,
  LIST_HEAD,
  listJson,
  listRow,
  SUMMARY_HEAD,
  summaryRows,
} from './dlq.format';
import { regionEndpoints } from './region';

const tableStyle = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };

interface Common {
  region: string;
  topology: string;
  json?: boolean;
}

/** The region's dead-letter topic on its own brokers, and a serde on its own registry (as `replay`). */
function open(o: Common) {
  const r = regionEndpoints(o.topology, o.region);
  const dlq = new KafkaDeadLetterQueue({ region: r.region, brokers: r.brokers });
  const url = r.registryUrl;
  // The topology's models: a dead-lettered event of a team's own type decodes like a profile one.
  const readers = loadModels(r.models).schemas;
  const serde = url ? new EventSerde({ registry: new ConfluentSchemaRegistry({ url }), readers }) : undefined;
  const decode = async (l: DeadLetter): Promise<Decoded> => {
    if (!serde) return { ok: false, code: 'NO_REGISTRY', message: `region ${r.region} has no registry` };
    try {
      const event = await serde.decode(l.value, l.originalHeaders, { topic: l.source?.topic ?? '' });
      return { ok: true, event };
    } catch (e) {
      const code = e instanceof ContractError ? e.code : 'UNEXPECTED';
      return { ok: false, code, message: (e as Error).message };
    }
  };
  return { dlq, decode };
}

/** Progress bar on a terminal; a line every 2 s otherwise (CI logs). */
function progressReporter(total: number) {
  if (process.stderr.isTTY && total > 1) {
    const bar = new SingleBar(
      { format: 'reapply |{bar}| {percentage}% {value}/{total} records', stream: process.stderr },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (p: ReapplyProgress) => bar.update(p.done), stop: () => bar.stop() };
  }
  let last = 0;
  return {
    update(p: ReapplyProgress) {
      if (Date.now() - last < 2000 && p.done < p.total) return;
      last = Date.now();
      console.error(`reapply: ${p.done}/${p.total} records`);
    },
    stop: () => undefined,
  };
}

const common = (c: Command) =>
  c
    .requiredOption('--region <name>', 'the region whose dead-letter topic is read (on its own cluster)')
    .option('-t, --topology <name|path>', 'topology', 'active-active');

function listCommand(): Command {
  return common(new Command('list'))
    .description('dead letters of a region: offset, code, source, event, reason, age, whether re-applied')
    .option('--code <CODE>', 'only this code (CLOCK_SKEW, UNKNOWN_SCHEMA, BAD_MAGIC_BYTE, ...)')
    .option('--since <iso|duration>', 'only those dead-lettered since (2026-12-01T10:00:00Z, 15m, 2h, 7d)')
    .option('--pending', 'hide those already re-applied')
    .option('--json', 'print JSON')
    .action(async (o: Common & { code?: string; since?: string; pending?: boolean }) => {
      const now = Date.now();
      const { dlq, decode } = open(o);
      const index = await dlq.read();
      const shown = filterDeadLetters(index, {
        ...(o.code !== undefined ? { code: o.code } : {}),
        ...(o.since !== undefined ? { sinceMs: parseSince(o.since, now) } : {}),
        pendingOnly: Boolean(o.pending),
      });
      const rows = [];
      for (const l of shown) rows.push({ l, m: index.reapplied.get(addressOf(l.at)), d: await decode(l) });
      if (o.json) {
        console.log(
          JSON.stringify(
            { topic: index.topic, deadLetters: rows.map((x) => listJson(x.l, x.m, x.d, now)) },
            null,
            2,
          ),
        );
        return;
      }
      const t = new Table({ head: LIST_HEAD, ...tableStyle });
      for (const x of rows) t.push(listRow(x.l, x.m, x.d, now));
      console.log(`${indexSummary(index, shown.length)}\n${t.toString()}`);
    });
}

function inspectCommand(): Command {
  return common(new Command('inspect'))
    .description('one dead letter: every header, and the event if its schema is known now (else raw bytes)')
    .requiredOption(
      '--offset <[partition/]offset>',
      'its offset in the dead-letter topic, as `list` prints it',
    )
    .option('--partition <n>', 'its partition (when the offset alone is ambiguous)')
    .option('--json', 'print JSON')
    .action(async (o: Common & { offset: string; partition?: string }) => {
      const now = Date.now();
      const { dlq, decode } = open(o);
      const index = await dlq.read();
      const l = findDeadLetter(index, parseOffsetRef(o.offset, o.partition));
      const m = index.reapplied.get(addressOf(l.at));
      const d = await decode(l);
      console.log(o.json ? JSON.stringify(inspectJson(l, m, d, now), null, 2) : inspectText(l, m, d, now));
    });
}

function reapplyCommand(): Command {
  return common(new Command('reapply'))
    .description(
      're-produce dead letters to their source topic in the region (same key, value and headers), ' +
        "so the region's projector decides again under today's registry and rules; each once (markers)",
    )
    .option('--offset <[partition/]offset>', 'one dead letter, as `list` prints it')
    .option('--partition <n>', 'its partition (when the offset alone is ambiguous)')
    .option('--code <CODE>', 'every dead letter with this code')
    .option('--all', 'every dead letter (with --code/--since: every one of those)')
    .option('--since <iso|duration>', 'with --code or --all: only those dead-lettered since')
    .option('--force', 'also those already re-applied')
    .option('--dry-run', 'say what would be re-applied; write nothing')
    .option('--json', 'print the per-code summary as JSON')
    .action(
      async (
        o: Common & {
          offset?: string;
          partition?: string;
          code?: string;
          all?: boolean;
          since?: string;
          force?: boolean;
          dryRun?: boolean;
        },
      ) => {
        const { dlq } = open(o);
        const index = await dlq.read();
        const sel = selectDeadLetters(index, {
          ...(o.offset !== undefined ? { offset: parseOffsetRef(o.offset, o.partition) } : {}),
          ...(o.code !== undefined ? { code: o.code } : {}),
          ...(o.all ? { all: true } : {}),
          ...(o.since !== undefined ? { sinceMs: parseSince(o.since, Date.now()) } : {}),
          includeReapplied: Boolean(o.force),
        });
        let done: Awaited<ReturnType<typeof dlq.reapply>> = [];
        if (!o.dryRun && sel.selected.length > 0) {
          const progress = progressReporter(sel.selected.length);
          done = await dlq
            .reapply(sel.selected, { onProgress: (p) => progress.update(p) })
            .finally(() => progress.stop());
        }
        const counts = countByCode(sel, o.dryRun ? sel.selected.length : done.length);
        if (o.json) {
          console.log(
            JSON.stringify(
              {
                topic: index.topic,
                dryRun: Boolean(o.dryRun),
                byCode: counts,
                reapplied: (o.dryRun ? sel.selected.map((letter) => ({ letter, to: undefined })) : done).map(
                  (d) => ({
                    from: addressOf(d.letter.at),
                    code: d.letter.code,
                    to: d.to ?? null,
                  }),
                ),
              },
              null,
              2,
            ),
          );
          return;
        }
        const t = new Table({ head: SUMMARY_HEAD, ...tableStyle });
        for (const row of summaryRows(counts)) t.push(row);
        const n = o.dryRun ? sel.selected.length : done.length;
        console.log(
          `${o.dryRun ? 'would re-apply' : 're-applied'} ${n} dead letter(s) from ${index.topic}` +
            (sel.alreadyReapplied.length > 0
              ? ` (${sel.alreadyReapplied.length} already re-applied: --force to repeat)`
              : '') +
            `\n${t.toString()}`,
        );
        if (!o.dryRun && n > 0)
          console.log(
            'the projector decides again; one that still fails is dead-lettered anew (with meridian-reapplied-from): ' +
              '`meridian dlq list --pending`',
          );
      },
    );
}

/** `meridian dlq`: list, inspect and re-apply a region's dead-lettered events. */
export function dlqCommand(): Command {
  return new Command('dlq')
    .addCommand(listCommand())
    .addCommand(inspectCommand())
    .addCommand(reapplyCommand());
}
