#!/usr/bin/env node
// `npm run test:chaos [-- --seeds 200 | --seed 1234 | --base 1000]`: runs the chaos project of jest
// with the seeds in the environment (jest itself takes no such flags).
const { spawnSync } = require('node:child_process');
const { Command } = require('commander');

const o = new Command()
  .option('--seeds <n>', 'how many seeds', '20')
  .option('--seed <n>', 'exactly this seed (replay a failure)')
  .option('--base <n>', 'first seed (default: random)')
  .option('--workload-ms <ms>', "length of each scenario's write workload", '12000')
  .option('--faults <n>', 'faults per scenario', '2')
  .option('--kinds <list>', 'only these fault kinds, comma-separated (e.g. projector-kill,partition)')
  .parse()
  .opts();
const env = {
  ...process.env,
  MERIDIAN_CHAOS_SEEDS: o.seeds,
  MERIDIAN_CHAOS_WORKLOAD_MS: o.workloadMs,
  MERIDIAN_CHAOS_FAULTS: o.faults,
  ...(o.kinds !== undefined ? { MERIDIAN_CHAOS_KINDS: o.kinds } : {}),
  ...(o.seed !== undefined ? { MERIDIAN_SEED: o.seed } : {}),
  ...(o.base !== undefined ? { MERIDIAN_CHAOS_SEED_BASE: o.base } : {}),
};
const res = spawnSync('npx', ['jest', '--selectProjects', 'chaos', '--runInBand', '--forceExit'], {
  stdio: 'inherit',
  env,
});
process.exit(res.status ?? 1);
