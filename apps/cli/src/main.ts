#!/usr/bin/env node
import { Command } from 'commander';

/**
 * The commands, each loaded only when it runs: a command's module brings Kafka, etcd, NestJS or the
 * launcher with it, so `meridian --help` (and a command's own help) loads none of the others'.
 */
const COMMANDS: readonly { name: string; description: string; load: () => Promise<Command> }[] = [
  {
    name: 'local',
    description: 'run the multi-region topology on this machine (real Kafka + MirrorMaker 2)',
    load: async () => (await import('./local.command')).localCommand(),
  },
  {
    name: 'schemas',
    description:
      'the event contract: register the Avro schemas, check changes for compatibility, generate types',
    load: async () => (await import('./schemas.command')).schemasCommand(),
  },
  {
    name: 'models',
    description: 'aggregate models: list them, bootstrap their topics and schemas',
    load: async () => (await import('./models.command')).modelsCommand(),
  },
  {
    name: 'rpo',
    description: 'RPO per flow (records and time), projection lag and replication latency, from the monitor',
    load: async () => (await import('./rpo.command')).rpoCommand(),
  },
  {
    name: 'sla',
    description:
      "availability and error budget from the synthetic probes through the gateway (the monitor's, counted by Prometheus): per region and global",
    load: async () => (await import('./sla.command')).slaCommand(),
  },
  {
    name: 'replay',
    description: "rebuild state from one region's history into a fresh store; verify it, export it",
    load: async () => (await import('./replay.command')).replayCommand(),
  },
  {
    name: 'dlq',
    description: "a region's dead-letter topic: list, inspect, re-apply after a fix",
    load: async () => (await import('./dlq.command')).dlqCommand(),
  },
  {
    name: 'failover',
    description: 'Phase A: move the write primary to another region (fence, drain, promote, confirm)',
    load: async () => (await import('./failover.command')).failoverCommand(),
  },
  {
    name: 'failback',
    description: "Phase A: move the write primary back to the topology's home primary",
    load: async () => (await import('./failover.command')).failbackCommand(),
  },
];

async function main(argv: string[]): Promise<void> {
  const program = new Command('meridian')
    .description('Meridian: multi-region, event-sourced replication bus')
    .showHelpAfterError();
  // The first word that is not an option names the command (the program itself has none), or the
  // one after it for `meridian help <command>`.
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  const chosen = COMMANDS.find((c) => c.name === named);
  for (const c of COMMANDS) {
    if (c === chosen) program.addCommand((await c.load()).description(c.description));
    else program.command(c.name).description(c.description);
  }
  await program.parseAsync(argv);
}

main(process.argv).catch((e: unknown) => {
  const err = e as Error & { code?: string };
  console.error(`meridian: ${err.code ? `[${err.code}] ` : ''}${err.message}`);
  if (process.env.MERIDIAN_DEBUG) console.error(err.stack);
  process.exit(1);
});
