import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { replay, type ReplayProgress, type ReplayStart, verifyAgainst } from '@meridian/replay';
import { createProjectionStore, regionSchema, storeConfigFromUrl } from '@meridian/store';
import { loadModels } from '@meridian/domain';
import { UsageError } from './errors';
import { regionEndpoints } from './region';

function time(v: string, flag: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n))
    throw new UsageError(`${flag}: "${v}" is neither epoch milliseconds nor an ISO-8601 time`);
  return n;
}

/** Progress bar on a terminal; plain periodic lines otherwise (CI logs). */
function progressReporter() {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format: 'replay |{bar}| {percentage}% {value}/{total} events | {rate} ev/s | ETA {eta_formatted}',
        stream: process.stderr,
      },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(p: ReplayProgress) {
        if (!started) bar.start(p.total, 0, { rate: 0 });
        started = true;
        bar.update(p.read, { rate: Math.round(p.read / Math.max(0.001, p.elapsedMs / 1000)) });
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastLine = 0;
  return {
    update(p: ReplayProgress) {
      if (Date.now() - lastLine < 2000 && p.read < p.total) return;
      lastLine = Date.now();
      console.error(
        `replay: ${p.read}/${p.total} events, ${Math.round(p.read / Math.max(0.001, p.elapsedMs / 1000))} ev/s`,
      );
    },
    stop: () => undefined,
  };
}

export function replayCommand(): Command {
  return new Command('replay')
    .requiredOption('--region <name>', 'the region whose cluster is read (its own and every mirrored topic)')
    .requiredOption('--store <spec>', 'target: sqlite:<file> or a postgres:// URL (with --pg-schema)')
    .option('--pg-schema <name>', 'PostgreSQL schema of the target store')
    .option('-t, --topology <name|path>', 'topology', 'active-active')
    .addOption(
      new Option(
        '--from-time <time>',
        'start at this time (ISO-8601 or epoch ms; Kafka offsetsForTimes)',
      ).conflicts('fromOffsets'),
    )
    .option('--from-offsets <json>', 'start offsets: {"topic:partition": "offset", ...}')
    .option('--until <time>', 'state as of this moment: events with a later HLC wall time are left out')
    .option(
      '--models <list>',
      "the aggregate models to fold with (built-in names or module paths); default the topology's",
    )
    .option('--types <list>', 'only these aggregate types (comma-separated)')
    .option('--ids <list>', 'only these aggregate ids (comma-separated)')
    .option('--in-place', "rebuild the live projector's store (refused while that projector answers)")
    .option('--live-projector <url>', 'the live projector (for --in-place and --verify)')
    .option(
      '--verify',
      'compare the rebuilt state with --live-projector; exit 1 naming the differing aggregates',
    )
    .option('--export-ndjson <file>', 'write every replayed event as one JSON line')
    .option('--export-avro <dir>', 'write every replayed event to Avro container files, one per event type')
    .option('--report <file>', 'undecodable or rejected events, one JSON line each', 'replay-report.ndjson')
    .option('--strict', 'stop at the first undecodable or rejected event')
    .option('--json', 'print the summary as JSON')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const r = regionEndpoints(String(o.topology), String(o.region));
      const registry = r.registryUrl;
      if (!registry) throw new UsageError(`region ${r.region} has no registry in topology ${r.topology}`);
      if ((o.inPlace || o.verify) && !o.liveProjector)
        throw new UsageError('--in-place and --verify need --live-projector <url>');
      const from: ReplayStart = o.fromTime
        ? { kind: 'timestamp', ms: time(String(o.fromTime), '--from-time') }
        : o.fromOffsets
          ? { kind: 'offsets', offsets: JSON.parse(String(o.fromOffsets)) as Record<string, string> }
          : { kind: 'beginning' };
      const store = storeConfigFromUrl(
        String(o.store),
        o.pgSchema ? String(o.pgSchema) : regionSchema('meridian_replay', r.region),
        '--store',
      );
      const models = loadModels(o.models ? String(o.models).split(',') : r.models);
      const progress = progressReporter();
      const summary = await replay({
        models,
        region: r.region,
        brokers: r.brokers,
        registryUrl: registry,
        store,
        from,
        ...(o.until ? { untilMs: time(String(o.until), '--until') } : {}),
        ...(o.types ? { aggregateTypes: String(o.types).split(',') } : {}),
        ...(o.ids ? { aggregateIds: String(o.ids).split(',') } : {}),
        ...(o.inPlace ? { inPlace: { liveProjectorUrl: String(o.liveProjector) } } : {}),
        reportFile: String(o.report),
        strict: Boolean(o.strict),
        ...(o.exportNdjson ? { exportNdjson: String(o.exportNdjson) } : {}),
        ...(o.exportAvro ? { exportAvroDir: String(o.exportAvro) } : {}),
        onProgress: (p) => progress.update(p),
      }).finally(() => progress.stop());
      let verified: Awaited<ReturnType<typeof verifyAgainst>> | undefined;
      if (o.verify) {
        const s = createProjectionStore(store);
        await s.init();
        try {
          verified = await verifyAgainst(s, String(o.liveProjector), models.aggregateTypes);
        } finally {
          await s.close();
        }
      }
      if (o.json)
        console.log(JSON.stringify({ ...summary, ...(verified ? { verify: verified } : {}) }, null, 2));
      else {
        console.log(
          `replayed ${summary.read} events in ${(summary.elapsedMs / 1000).toFixed(1)} s (${Math.round(summary.eventsPerSecond)} ev/s from the first batch): ` +
            `${summary.applied} applied, ${summary.duplicates} duplicates, ${summary.skipped} left out, ${summary.deadLettered} rejected` +
            (summary.deadLettered ? ` (see ${String(o.report)})` : ''),
        );
        console.log(`state digest ${summary.digest.digest} (${summary.digest.aggregates} aggregates)`);
        if (verified) {
          console.log(
            verified.match
              ? `verify: matches ${String(o.liveProjector)}`
              : `verify: DIFFERS from ${String(o.liveProjector)}`,
          );
          for (const d of verified.differences) {
            console.log(
              `  ${d.aggregateType}/${d.aggregateId}: live ${d.live ?? 'absent'} rebuilt ${d.rebuilt ?? 'absent'}`,
            );
          }
        }
      }
      if (verified && !verified.match) process.exitCode = 1;
    });
}
