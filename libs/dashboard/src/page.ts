/**
 * The dashboard page: one self-contained document (no build step, no external assets), polling
 * `api/state` every second. Values are set with `textContent` only: nothing the API returns is
 * parsed as HTML.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Meridian — regions and failover</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --fg:#1f2328; --muted:#656d76; --line:#d0d7de; }
  body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); margin: 0; background: #f6f8fa; }
  header { background: #24292f; color: #fff; padding: 12px 20px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header a { color: #9ecbff; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  .regions { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
  .region { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; border-left-width: 6px; }
  .region[data-status=up] { border-left-color: var(--ok); }
  .region[data-status=degraded] { border-left-color: var(--warn); }
  .region[data-status=down] { border-left-color: var(--bad); background: #fff5f5; }
  .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
  .badge.up { background: var(--ok); } .badge.degraded { background: var(--warn); } .badge.down { background: var(--bad); }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 8px 0 0; }
  dt { color: var(--muted); } dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  td.bad { color: var(--bad); font-weight: 600; } td.ok { color: var(--ok); }
  .muted { color: var(--muted); }
  #steps li[data-status=done] { color: var(--ok); }
  #steps li[data-status=started] { color: var(--warn); }
  dialog { border: 1px solid var(--line); border-radius: 8px; }
  button { font: inherit; padding: 4px 12px; }
  #errors { color: var(--bad); }
</style>
</head>
<body>
<header>
  <h1>Meridian</h1>
  <span>topology <b id="topology">…</b> · phase <b id="phase">…</b> · RPO target <b id="rpo-target">…</b></span>
  <span id="primary" data-testid="primary"></span>
  <span id="links"></span>
  <span class="muted">updated <span id="updated">never</span></span>
</header>
<main>
  <div id="errors" data-testid="errors"></div>
  <section><h2>Regions</h2><div class="regions" id="regions" data-testid="regions"></div></section>
  <section><h2>Flows (MirrorMaker 2, measured from Kafka offsets)</h2>
    <table data-testid="flows"><thead><tr><th>flow</th><th>RPO records</th><th>RPO time</th><th>within target</th><th>projection lag</th><th>replication latency</th><th>heartbeat age</th><th>fresh</th></tr></thead><tbody id="flows"></tbody></table>
  </section>
  <section><h2>SLA (synthetic probes through the gateway)</h2>
    <table data-testid="sla"><thead><tr><th>scope</th><th>probes</th><th>failed</th><th>availability</th><th>error budget used</th><th>burn 5m</th><th>burn 1h</th></tr></thead><tbody id="sla"></tbody></table>
    <p class="muted" id="sla-note"></p>
  </section>
  <section id="failover-section" hidden><h2>Failover (Phase A)</h2>
    <form id="failover-form">
      <label>promote <select id="failover-to" data-testid="failover-to"></select></label>
      <label>operator <input id="operator" data-testid="operator" size="12" required></label>
      <label>token <input id="token" data-testid="token" type="password" size="24" autocomplete="current-password" required></label>
      <button type="submit" data-testid="failover-start">Fail over…</button>
    </form>
    <p id="failover-error" class="muted" data-testid="failover-error"></p>
    <ol id="steps" data-testid="failover-steps"></ol>
    <p id="failover-result" data-testid="failover-result"></p>
    <h2>Recent designation changes</h2>
    <table><thead><tr><th>when</th><th>region</th><th>epoch</th><th>state</th><th>by</th><th>reason</th></tr></thead><tbody id="failovers" data-testid="failovers"></tbody></table>
  </section>
</main>
<dialog id="confirm" data-testid="confirm-dialog">
  <form method="dialog">
    <p>Fence the current primary and promote <b id="confirm-region"></b>? Writes stop in the old region.</p>
    <p><label>Type the region's name to confirm: <input id="confirm-input" data-testid="confirm-input"></label></p>
    <button value="cancel">Cancel</button> <button value="ok" data-testid="confirm-ok">Fail over</button>
  </form>
</dialog>
<script>
const $ = (id) => document.getElementById(id);
const el = (tag, text, attrs) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); return e; };
const ms = (v) => v === undefined || v === null ? '–' : v >= 1000 ? (v / 1000).toFixed(1) + ' s' : Math.round(v) + ' ms';
const pct = (v, d) => v === undefined || v === null ? '–' : (v * 100).toFixed(d === undefined ? 3 : d) + ' %';
function row(cells) { const tr = el('tr'); for (const c of cells) { const td = el('td', c.text !== undefined ? c.text : c); if (c.cls) td.className = c.cls; tr.append(td); } return tr; }
function region(r) {
  const d = el('div', undefined, { class: 'region', 'data-status': r.status, 'data-region': r.name, 'data-testid': 'region-' + r.name });
  const h = el('div'); h.append(el('b', r.name), ' ', el('span', r.status, { class: 'badge ' + r.status, 'data-testid': 'status-' + r.name }));
  d.append(h);
  const dl = el('dl');
  const add = (k, v) => { dl.append(el('dt', k), el('dd', v)); };
  add('writes', r.service.up ? (r.service.acceptingWrites ? 'accepting' : 'refusing' + (r.service.reason ? ' (' + r.service.reason + ')' : '')) : 'service down');
  add('role / epoch', (r.service.role || '–') + ' / ' + (r.service.epoch !== undefined ? r.service.epoch : '–'));
  add('writes/s (1 m)', r.writesPerSecond !== undefined ? r.writesPerSecond.toFixed(1) : '–');
  add('projector', r.projector.up ? 'up' : 'down');
  add('dead letters (1 h)', r.deadLettersLastHour !== undefined ? Math.round(r.deadLettersLastHour) : '–');
  if (r.staleEpochEvents) add('stale-epoch events', r.staleEpochEvents);
  add('gateway', r.gateway ? (r.gateway.healthy ? 'healthy' : 'unhealthy') + ', breaker ' + r.gateway.breaker + (r.gateway.rttMs !== undefined ? ', RTT ' + ms(r.gateway.rttMs) : '') : '–');
  d.append(dl);
  if (r.tracesUrl) { const a = el('a', 'traces', { href: r.tracesUrl, target: '_blank' }); d.append(a); }
  return d;
}
let primary;
function render(s) {
  $('topology').textContent = s.topology; $('phase').textContent = s.phase; $('rpo-target').textContent = ms(s.rpoTargetMs);
  $('updated').textContent = new Date(s.atMs).toLocaleTimeString();
  $('errors').textContent = s.errors.join(' · ');
  primary = s.designation ? s.designation.region : undefined;
  $('primary').textContent = s.designation ? 'primary ' + s.designation.region + ' (epoch ' + s.designation.epoch + ', ' + s.designation.state + ')' : (s.phase === 'A' ? 'primary unknown (quorum not answering)' : 'every region writes');
  const links = $('links'); links.replaceChildren();
  if (s.links.zipkin) links.append(el('a', 'traces (Zipkin)', { href: s.links.zipkin, target: '_blank' }), ' ');
  if (s.links.alerts) links.append(el('a', 'alerts (Prometheus)', { href: s.links.alerts, target: '_blank' }));
  $('regions').replaceChildren(...s.regions.map(region));
  $('flows').replaceChildren(...s.flows.map((f) => row([
    f.source + ' → ' + f.target,
    (f.rpoRecordsAtLeast ? '≥ ' : '') + f.rpoRecords,
    ms(f.rpoMs),
    { text: f.withinTarget ? 'yes' : 'NO', cls: f.withinTarget ? 'ok' : 'bad' },
    f.projectionLagRecords !== undefined ? f.projectionLagRecords + ' rec' : '–',
    ms(f.replicationLatencyMs),
    ms(f.heartbeatAgeMs),
    { text: f.stale ? 'STALE' : 'fresh', cls: f.stale ? 'bad' : 'ok' },
  ])));
  const sla = s.sla;
  $('sla').replaceChildren(...(sla ? sla.scopes.map((x) => row([x.scope, Math.round(x.total), Math.round(x.failed), pct(x.availability), pct(x.budgetConsumed, 1), x.burnRates['5m'] !== undefined ? x.burnRates['5m'].toFixed(2) : '–', x.burnRates['1h'] !== undefined ? x.burnRates['1h'].toFixed(2) : '–'])) : []));
  $('sla-note').textContent = !sla ? 'no Prometheus in this topology' : sla.error ? 'unknown: ' + sla.error : sla.scopes.length === 0 ? 'no probes counted in the last ' + sla.window + ' (start with MERIDIAN_SLA_PROBE_RATE=2)' : 'objective ' + pct(sla.objective, 2) + ' over ' + sla.window;
  const fs = $('failover-section'); fs.hidden = s.phase !== 'A';
  const sel = $('failover-to');
  if (sel.options.length === 0) for (const r of s.regions) sel.append(el('option', r.name, { value: r.name }));
  $('failovers').replaceChildren(...s.failovers.map((f) => row([new Date(f.atMs).toLocaleTimeString(), f.region, f.epoch, f.state, f.by, f.reason || ''])));
}
async function tick() {
  try { const res = await fetch('/dashboard/api/state', { cache: 'no-store' }); render(await res.json()); }
  catch (e) { $('errors').textContent = 'monitor unreachable: ' + e.message; }
}
setInterval(tick, 1000); tick();

$('failover-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  $('confirm-region').textContent = $('failover-to').value; $('confirm-input').value = '';
  $('confirm').showModal();
});
$('confirm').addEventListener('close', async () => {
  if ($('confirm').returnValue !== 'ok') return;
  const to = $('failover-to').value;
  $('failover-error').textContent = ''; $('steps').replaceChildren(); $('failover-result').textContent = '';
  const res = await fetch('/dashboard/api/failover', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + $('token').value },
    body: JSON.stringify({ to, confirm: $('confirm-input').value, operator: $('operator').value }) });
  const body = await res.json();
  if (res.status !== 202) { $('failover-error').textContent = res.status + ' ' + (body.code || '') + ': ' + body.message; return; }
  const poll = async () => {
    const run = await (await fetch('/dashboard/api/failover/' + body.id, { cache: 'no-store' })).json();
    $('steps').replaceChildren(...run.steps.filter((x, i, all) => x.status === 'done' || !all.some((y) => y.step === x.step && y.status === 'done'))
      .map((x) => el('li', x.step + ' — ' + (x.status === 'done' ? 'done in ' + ms(x.ms) + (x.detail ? ': ' + x.detail : '') : 'running…'), { 'data-status': x.status, 'data-step': x.step })));
    if (run.state === 'running') { setTimeout(poll, 250); return; }
    $('failover-result').textContent = run.state === 'done' ? 'done: ' + run.report.from + ' → ' + run.report.to + ' (epoch ' + run.report.toEpoch + ') in ' + ms(run.report.totalMs) + (run.report.warnings.length ? ' — WARNING: ' + run.report.warnings.join('; ') : '') : 'failed: ' + run.error;
  };
  poll();
});
</script>
</body>
</html>
`;
