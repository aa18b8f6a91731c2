#!/usr/bin/env node
import { failbackCommand, failoverCommand } from './failover.command';
import { Command } from 'commander';
import { dlqCommand } from './dlq.command';
import { localCommand } from './local.command';
import { modelsCommand } from './models.command';
import { replayCommand } from './replay.command';
import { rpoCommand } from './rpo.command';
import { schemasCommand } from './schemas.command';
import { slaCommand } from './sla.command';

async function main(argv: string[]): Promise<void> {
  const program = new Command('meridian')
    .description('Meridian: multi-region, event-sourced replication bus')
    .showHelpAfterError()
    .addCommand(localCommand())
    .addCommand(schemasCommand())
    .addCommand(modelsCommand())
    .addCommand(rpoCommand())
    .addCommand(slaCommand())
    .addCommand(replayCommand())
    .addCommand(dlqCommand())
    .addCommand(failoverCommand())
    .addCommand(failbackCommand());
  await program.parseAsync(argv);
}

main(process.argv).catch((e: unknown) => {
  const err = e as Error & { code?: string };
  console.error(`meridian: ${err.code ? `[${err.code}] ` : ''}${err.message}`);
  if (process.env.MERIDIAN_DEBUG) console.error(err.stack);
  process.exit(1);
});
