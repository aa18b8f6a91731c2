/**
 * Availability and error budget from probe counts (a pure function: the CLI feeds it what
 * Prometheus counted over a window). Availability = good / total; the budget of an objective `o`
 * over the window is (1 − o) × total failures allowed; "consumed" is failures / allowed (above 1:
 * the objective is missed for that window); a burn rate is the failure ratio over (1 − o), so 1 is
 * spending the budget exactly as fast as the window allows.
 */
export interface ProbeCounts {
  /** `global` for the whole system, else a region name. */
  scope: string;
  total: number;
  failed: number;
}

export interface SlaFigures {
  scope: string;
  total: number;
  failed: number;
  /** undefined when nothing was probed. */
  availability?: number;
  /** Failures the window's budget allows, at this volume. */
  budgetFailures: number;
  /** failed / budgetFailures; undefined when nothing was probed. */
  budgetConsumed?: number;
  /** Failure ratio ÷ (1 − objective), per burn window (e.g. 5m, 1h). */
  burnRates: Record<string, number | undefined>;
  meetsObjective?: boolean;
}

export function slaFigures(
  objective: number,
  window: ProbeCounts,
  burns: Record<string, ProbeCounts | undefined> = {},
): SlaFigures {
  if (!(objective > 0 && objective < 1)) throw new RangeError(`objective: between 0 and 1, got ${objective}`);
  const allowed = 1 - objective;
  const ratio = (c: ProbeCounts | undefined) => (c && c.total > 0 ? c.failed / c.total : undefined);
  const r = ratio(window);
  const budgetFailures = window.total * allowed;
  return {
    scope: window.scope,
    total: window.total,
    failed: window.failed,
    ...(r !== undefined ? { availability: 1 - r } : {}),
    budgetFailures,
    ...(window.total > 0 ? { budgetConsumed: window.failed / budgetFailures } : {}),
    burnRates: Object.fromEntries(
      Object.entries(burns).map(([w, c]) => {
        const x = ratio(c);
        return [w, x === undefined ? undefined : x / allowed];
      }),
    ),
    ...(r !== undefined ? { meetsObjective: 1 - r >= objective } : {}),
  };
}
