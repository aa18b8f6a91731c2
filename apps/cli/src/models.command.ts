import { Command } from 'commander';
import Table from 'cli-table3';
import { loadModels, type ModelSet } from '@meridian/domain';
import { findRepoRoot, loadTopology } from '@meridian/topology';
import { bootstrapRegions } from './bootstrap';
import { cliLogger } from './logger';

const tableStyle = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };

interface Common {
  topology: string;
  models?: string;
  json?: boolean;
}

/** The topology, with `--models` (comma-separated, relative to the working directory) in place of its own. */
function resolve(o: Common) {
  const t = loadTopology(o.topology, findRepoRoot());
  const specs = o.models ? o.models.split(',') : t.models;
  return { t: { ...t, models: specs.map((m) => m.trim()) }, set: loadModels(specs) };
}

function describe(set: ModelSet) {
  return set.models.map((m) => ({
    aggregateType: m.aggregateType,
    namespace: m.definition.namespace,
    state: Object.fromEntries(
      Object.entries(m.definition.state).map(([k, r]) => [k, r.keyed ? `keyed ${r.rule}` : r.rule]),
    ),
    events: m.eventNames,
  }));
}

const common = (c: Command) =>
  c
    .option('-t, --topology <name|path>', 'topology', 'active-active')
    .option('--models <list>', "models instead of the topology's: built-in names, module paths or packages");

/** `meridian models`: the aggregate models a topology serves, and their topics and schemas in every region. */
export function modelsCommand(): Command {
  const models = new Command('models');
  models.addCommand(
    common(new Command('list'))
      .description('the models served: aggregate type, state parts and their merge rules, events')
      .option('--json', 'print JSON')
      .action((o: Common) => {
        const out = describe(resolve(o).set);
        if (o.json) return console.log(JSON.stringify(out, null, 2));
        const table = new Table({ head: ['aggregate type', 'state (merge rule)', 'events'], ...tableStyle });
        for (const m of out)
          table.push([
            `${m.aggregateType}\n${m.namespace}`,
            Object.entries(m.state)
              .map(([k, r]) => `${k}: ${r}`)
              .join('\n'),
            m.events.map((e) => e.slice(m.namespace.length + 1)).join('\n'),
          ]);
        console.log(table.toString());
      }),
  );
  models.addCommand(
    common(new Command('bootstrap'))
      .description("create each model's topic and register its schemas in every region (idempotent)")
      .action(async (o: Common) => {
        const log = cliLogger();
        const { t, set } = resolve(o);
        await bootstrapRegions(t, (m) => log.info(m));
        log.info(
          `${set.aggregateTypes.join(', ')}: topics and ${set.schemas.length} schemas in ${t.regions.length} regions`,
        );
      }),
  );
  return models;
}
