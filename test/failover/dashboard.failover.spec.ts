/**
 * The dashboard's failover, end to end in a real browser (Debian Chromium, puppeteer-core) on the
 * Phase A topology: an operator picks the region, gives the operator token, types the region's name
 * to confirm, and watches fence → quiesce → drain → promote → confirm; the quorum then names the new
 * primary. Without the token, or with a wrong confirmation, nothing changes.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { LocalPaths } from '@meridian/local';
import { readDesignation } from '@meridian/quorum';
import { artifactPath, ensurePrimary, launchBrowser, type PageDocument, quorumVia } from '@meridian/testing';
import { repoRoot, topology, wan } from './support';

// Evaluated in the page (puppeteer serialises these callbacks), typed without the DOM library.
declare const document: PageDocument;

const url = `http://127.0.0.1:${topology.monitor!.port}/dashboard`;
const api = `http://127.0.0.1:${topology.monitor!.port}/dashboard/api/failover`;
const token = () => readFileSync(new LocalPaths(repoRoot).operatorTokenFile, 'utf8').trim();

async function primary() {
  const q = quorumVia(topology, 'us-west');
  try {
    return (await readDesignation(q))?.value;
  } finally {
    q.close();
  }
}

describe('failover from the dashboard (Phase A)', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    await wan.heal();
    await ensurePrimary(topology, 'us-east');
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await ensurePrimary(topology, 'us-east');
  });

  it('refuses a failover without the operator token, or without the typed confirmation (nothing changes)', async () => {
    const before = await primary();
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(api, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const noToken = await post({}, { to: 'us-west', confirm: 'us-west', operator: 'ada' });
    expect(noToken.status).toBe(401);
    const wrong = await post(
      { authorization: 'Bearer not-the-token-at-all' },
      { to: 'us-west', confirm: 'us-west', operator: 'ada' },
    );
    expect(wrong.status).toBe(401);
    const unconfirmed = await post(
      { authorization: `Bearer ${token()}` },
      { to: 'us-west', confirm: 'us-wes', operator: 'ada' },
    );
    expect(unconfirmed.status).toBe(400);
    expect(((await unconfirmed.json()) as { message: string }).message).toContain('confirm');
    const after = await primary();
    expect(after?.epoch).toBe(before?.epoch);
    expect(after?.region).toBe('us-east');
  });

  it('an operator fails over to us-west in the browser and sees every step as it happens', async () => {
    const before = await primary();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(
      () => document.querySelector('[data-testid=primary]')?.textContent?.startsWith('primary us-east'),
      { timeout: 10_000 },
    );
    expect(await page.$eval('#failover-section', (e) => (e as unknown as { hidden: boolean }).hidden)).toBe(
      false,
    );
    await page.select('[data-testid=failover-to]', 'us-west');
    await page.type('[data-testid=operator]', 'ada');
    await page.type('[data-testid=token]', token());
    await page.click('[data-testid=failover-start]');
    await page.waitForSelector('[data-testid=confirm-dialog][open]');
    await page.type('[data-testid=confirm-input]', 'us-west');
    await page.click('[data-testid=confirm-ok]');
    // Steps appear while it runs (quiesce waits on the old primary's writers), then all are done.
    await page.waitForSelector('[data-testid=failover-steps] li', { timeout: 10_000 });
    await page.waitForFunction(
      () => document.querySelector('[data-testid=failover-result]')?.textContent?.startsWith('done'),
      { timeout: 90_000, polling: 250 },
    );
    const steps = await page.$$eval('[data-testid=failover-steps] li', (lis) =>
      lis.map((li) => `${li.getAttribute('data-step')}:${li.getAttribute('data-status')}`),
    );
    expect(steps).toEqual(['fence:done', 'quiesce:done', 'drain:done', 'promote:done', 'confirm:done']);
    const result = await page.$eval('[data-testid=failover-result]', (e) => e.textContent ?? '');
    console.log(`[dashboard failover] ${result}`);
    expect(result).toContain('us-east → us-west');
    const after = await primary();
    expect(after?.region).toBe('us-west');
    expect(after?.epoch).toBeGreaterThan(before!.epoch);
    expect(after?.by).toBe('operator:ada');
    // The page follows: the new primary in the header, the change in the list.
    await page.waitForFunction(
      () => document.querySelector('[data-testid=primary]')?.textContent?.startsWith('primary us-west'),
      { timeout: 10_000 },
    );
    await page.waitForFunction(
      () => document.querySelector('[data-testid=failovers]')?.textContent?.includes('operator:ada'),
      { timeout: 10_000 },
    );
    await page.screenshot({ path: artifactPath('dashboard-failover.png'), fullPage: true });
  });
});
