/**
 * The chaos suite: per seed, a write workload in all three regions while a seeded schedule of faults
 * runs (partitions, half-open links, WAN delay spikes, broker / MirrorMaker 2 / projector SIGKILLs,
 * a writer with a skewed clock); then everything heals and the promises are checked. A failure
 * prints the seed and the schedule: `npm run test:chaos -- --seed <n>` replays it.
 *
 * Seeds: MERIDIAN_CHAOS_SEEDS (count, default 20) from MERIDIAN_CHAOS_SEED_BASE (default: random),
 * or MERIDIAN_SEED for exactly one.
 */
import {
  CHAOS_FAULT_KINDS,
  chaosPlan,
  type ChaosFaultKind,
  describeChaosPlan,
  uniqueName,
} from '@meridian/testing';
import { deadLettersSince, loggedEvents, marks, stateDigest, view, waitQuiescent } from './checks';
import { healEverything, runFaults } from './faults';
import { ChaosWorkload, REGION_NAMES } from './workload';

function seeds(): number[] {
  const one = process.env.MERIDIAN_SEED;
  if (one) return [Number(one)];
  const count = Number(process.env.MERIDIAN_CHAOS_SEEDS ?? 20);
  const base = Number(process.env.MERIDIAN_CHAOS_SEED_BASE ?? Math.floor(Math.random() * 1e6));
  return Array.from({ length: count }, (_, i) => base + i);
}

// A scenario: workload, faults (a broker restart alone takes ~10 s), healing, catching up.
jest.setTimeout(600_000);

const WORKLOAD_MS = Number(process.env.MERIDIAN_CHAOS_WORKLOAD_MS ?? 12_000);
const PROFILES_PER_SEED = 4;
const FAULTS = Number(process.env.MERIDIAN_CHAOS_FAULTS ?? 2);
// Only some kinds of fault (comma-separated), e.g. to aim at one component: projector-kill.
const KINDS = process.env.MERIDIAN_CHAOS_KINDS?.split(',').filter(Boolean) as ChaosFaultKind[] | undefined;
for (const k of KINDS ?? [])
  if (!CHAOS_FAULT_KINDS.includes(k))
    throw new Error(`unknown chaos fault kind "${k}": one of ${CHAOS_FAULT_KINDS.join(', ')}`);

/** Totals over every seed of the run, printed at the end. */
const totals = {
  acknowledged: 0,
  refused: 0,
  unknown: 0,
  unknownResolvedByRetry: 0,
  keyedRetried: 0,
  failpointsArmed: 0,
  pastBoundRefused: 0,
  pastBoundStoredButRejected: 0,
  duplicates: 0,
};

describe('chaos: nothing acknowledged is lost, every region converges', () => {
  const list = seeds();
  console.log(`[chaos] seeds ${list.join(', ')}`);
  afterAll(() => {
    console.log(
      `[chaos] totals over ${list.length} seeds: ${totals.acknowledged} events acknowledged, ${totals.refused} writes refused ` +
        `(nothing stored), ${totals.unknown} with an unknown outcome left after retries, ${totals.unknownResolvedByRetry} ` +
        `keyed writes resolved by a retry with their key (${totals.keyedRetried} retried in all), ${totals.failpointsArmed} ` +
        `publisher failpoints armed, past-bound writer: ${totals.pastBoundRefused} refused before the send, ` +
        `${totals.pastBoundStoredButRejected} stored but rejected; duplicates found: ${totals.duplicates}`,
    );
  });

  it.each(list)('seed %i', async (seed) => {
    const plan = chaosPlan(seed, REGION_NAMES, {
      workloadMs: WORKLOAD_MS,
      faults: FAULTS,
      ...(KINDS ? { kinds: KINDS } : {}),
    });
    const story: string[] = [describeChaosPlan(plan)];
    // Each line says when, from the seed's start: where a seed's minutes go is the suite's budget.
    const tSeed = Date.now();
    const log = (m: string) => story.push(`  [+${((Date.now() - tSeed) / 1000).toFixed(1)} s] ${m}`);
    let workload: ChaosWorkload | undefined;
    try {
      const before = await marks();
      // Whole-state digests before the scenario: if they already differ, an earlier seed broke them.
      const digestsBefore = await Promise.all(REGION_NAMES.map((r) => stateDigest(r)));
      const profiles = Array.from({ length: PROFILES_PER_SEED }, (_, i) => uniqueName(`chaos-${seed}-${i}`));
      workload = new ChaosWorkload(seed, profiles, plan.skew);
      const t0 = Date.now();
      workload.start();
      // The writers go on while faults are applied and undone (a restart can outlast its slot: a
      // fault aimed at a commit needs traffic), at least for the workload window; then they stop.
      const window = new Promise((r) => setTimeout(r, plan.workloadMs));
      await runFaults(plan, workload, t0, log);
      await window;
      const result = await workload.stop();
      const keyedUnknown = result.keyed.filter((k) => k.outcome === 'unknown');
      const retried = result.keyed.filter((k) => k.answers.length > 1);
      const resolved = retried.filter(
        (k) => k.outcome === 'acked' && k.answers.some((a) => a === 'no answer' || a.startsWith('504')),
      );
      log(
        `workload: ${result.acknowledged.length} events acknowledged, ${result.refused} keyless writes refused, ` +
          `${result.unknown} keyless without a definite answer; ${result.keyed.length} keyed counter writes ` +
          `(${result.keyed.filter((k) => k.outcome === 'refused').length} refused, ${keyedUnknown.length} unknown after retries, ` +
          `${resolved.length} resolved by a retry); ${result.failpointsArmed} failpoints armed; past-bound writer: ` +
          `${result.pastBound.acked} acked, ${result.pastBound.refused} refused, ${result.pastBound.storedButRejected.length} stored but rejected`,
      );
      totals.acknowledged += result.acknowledged.length;
      totals.refused += result.refused + result.keyed.filter((k) => k.outcome === 'refused').length;
      totals.unknown += result.unknown + keyedUnknown.length;
      totals.unknownResolvedByRetry += resolved.length;
      totals.keyedRetried += retried.length;
      totals.failpointsArmed += result.failpointsArmed;
      totals.pastBoundRefused += result.pastBound.refused;
      totals.pastBoundStoredButRejected += result.pastBound.storedButRejected.length;
      log('workload stopped; healing');
      await healEverything();
      const tHeal = Date.now();
      log('healed');
      await waitQuiescent(180_000, (what) => log(`awaiting ${what}`));
      log(`quiescent ${Date.now() - tHeal} ms after healing`);

      // Every broken promise is collected, so a failure says all that went wrong, region by region.
      const problems: string[] = [];
      // 1. Every region agrees, on each profile and on the whole state.
      for (const id of profiles) {
        const views = await Promise.all(REGION_NAMES.map((r) => view(r, id)));
        const seen = REGION_NAMES.map((r, i) => `${r}=${views[i]?.digest.slice(0, 12) ?? 'absent'}`);
        if (views.some((v) => v === undefined) || new Set(views.map((v) => v!.digest)).size !== 1)
          problems.push(`profile ${id} differs between regions: ${seen.join(' ')}`);
      }
      const digests = await Promise.all(REGION_NAMES.map((r) => stateDigest(r)));
      if (new Set(digests).size !== 1)
        problems.push(
          `state digests differ: ${REGION_NAMES.map((r, i) => `${r}=${digests[i]!.slice(0, 12)}`).join(' ')}` +
            (new Set(digestsBefore).size !== 1 ? ' (they already differed before this seed)' : ''),
        );

      const wanted = new Set(profiles);
      const acked = new Set(result.acknowledged.map((a) => a.eventId));
      const rejected = new Set(result.pastBound.storedButRejected);
      if (result.acknowledged.length === 0) problems.push('the workload got no write acknowledged');
      // 0. A writer past the skew bound never gets a 2xx.
      if (result.pastBound.acked > 0)
        problems.push(`the writer past the skew bound got ${result.pastBound.acked} writes acknowledged`);
      for (const region of REGION_NAMES) {
        const events = await loggedEvents(region, before.inputs.get(region)!, wanted);
        const unique = new Map(events.map((e) => [e.eventId, e]));
        // 2. Every acknowledged write is in every region's log.
        const missing = [...acked].filter((id) => !unique.has(id));
        if (missing.length > 0)
          problems.push(
            `${region}: ${missing.length} acknowledged events missing from the log, e.g. ${missing[0]}`,
          );
        const extra = [...unique.keys()].filter((id) => !acked.has(id)).length;
        log(
          `${region}: ${unique.size} events (${events.length - unique.size} mirrored twice, ${extra} stored without an acknowledgement)`,
        );
        // 2b. Nothing of a keyed write refused at every attempt (NOT_STORED, NOT_WRITER, 4xx) is in a log.
        const leaked = result.keyed.filter((k) => k.outcome === 'refused' && unique.has(k.eventId));
        if (leaked.length > 0)
          problems.push(
            `${region}: ${leaked.length} writes answered "nothing stored" are in the log, e.g. ${leaked[0]!.key} (${leaked[0]!.answers.join(', ')})`,
          );
        // 3b. Counters equal what the clients were told: every acknowledged amount once, plus the
        // keyed writes whose outcome stayed unknown and that the log holds (counted, reported).
        for (const id of profiles) {
          const ackedHere = new Map(
            result.acknowledged.filter((a) => a.profile === id).map((a) => [a.eventId, a]),
          );
          let credit = [...ackedHere.values()].reduce((s, a) => s + a.creditCents, 0);
          let logins = [...ackedHere.values()].reduce((s, a) => s + a.logins, 0);
          for (const k of result.keyed)
            if (k.profile === id && k.outcome === 'unknown' && unique.has(k.eventId)) {
              credit += k.creditCents;
              logins += k.logins;
            }
          const v = await view(region, id);
          const got = { credit: v?.state.credit?.counter ?? 0, logins: v?.state.logins?.counter ?? 0 };
          if (got.credit !== credit || got.logins !== logins) {
            totals.duplicates++;
            problems.push(
              `${region}: ${id} projects credit ${got.credit} / logins ${got.logins}, the clients were told ${credit} / ${logins}`,
            );
          }
        }
        // 3. Counters equal the amounts in the log exactly: nothing lost, nothing applied twice.
        for (const id of profiles) {
          const mine = [...unique.values()].filter((e) => e.aggregateId === id && !rejected.has(e.eventId));
          const credit = mine
            .filter((e) => e.type.endsWith('CreditAdjusted'))
            .reduce((s, e) => s + (e.amountCents ?? 0), 0);
          const logins = mine.filter((e) => e.type.endsWith('LoginRecorded')).length;
          const v = await view(region, id);
          const got = { credit: v?.state.credit?.counter ?? 0, logins: v?.state.logins?.counter ?? 0 };
          if (got.credit !== credit || got.logins !== logins)
            problems.push(
              `${region}: ${id} projects credit ${got.credit} / logins ${got.logins}, its log holds ${credit} / ${logins}`,
            );
        }
        // 4. Nothing was dead-lettered but the past-bound writer's events the broker stored: the same
        // decision (CLOCK_SKEW) in every region.
        const dead = await deadLettersSince(region, before.deadLetters.get(region)!);
        const unexpected = dead.filter(
          (d) => d.code !== 'CLOCK_SKEW' || !d.eventId || !rejected.has(d.eventId),
        );
        if (unexpected.length > 0)
          problems.push(
            `${region}: ${unexpected.length} events dead-lettered unexpectedly, e.g. ${unexpected[0]!.code}: ${unexpected[0]!.reason}`,
          );
        const deadIds = new Set(dead.map((d) => d.eventId));
        const notDead = [...rejected].filter((e) => !deadIds.has(e) && unique.has(e));
        if (notDead.length > 0)
          problems.push(`${region}: ${notDead.length} events past the skew bound were not dead-lettered`);
      }
      log('checked');
      for (const p of problems) log(`BROKEN: ${p}`);
      expect(problems).toEqual([]);
      console.log(`[chaos] passed\n${story.join('\n')}`);
    } catch (e) {
      await workload?.stop().catch(() => undefined);
      console.error(
        `[chaos] FAILED — replay with: npm run test:chaos -- --seed ${seed}\n${story.join('\n')}`,
      );
      await healEverything().catch(() => undefined);
      throw e;
    }
  });
});
