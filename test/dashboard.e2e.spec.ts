/**
 * The dashboard in a real browser (Debian Chromium driven by puppeteer-core) against the running
 * topology: it loads, shows the three regions and every flow, and reflects a killed region within
 * seconds. Screenshots go to test/artifacts/.
 */
import type { Browser, Page } from 'puppeteer-core';
import { LocalPaths, LocalStack } from '@meridian/local';
import { findRepoRoot, loadTopology } from '@meridian/topology';
import {
  artifactPath,
  launchBrowser,
  type PageDocument,
  localUp,
  REVIVE_TIMEOUT_MS,
} from '@meridian/testing';

// Evaluated in the page (puppeteer serialises these callbacks), typed without the DOM library.
declare const document: PageDocument;

const repoRoot = findRepoRoot();
const t = loadTopology('active-active', repoRoot);
const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });
const url = `http://127.0.0.1:${t.monitor!.port}/dashboard`;

const statusOf = (page: Page, region: string) =>
  page.$eval(`[data-testid=status-${region}]`, (e) => e.textContent ?? '');

describe('the dashboard in a browser', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads and shows every region up and every flow, with the topology named', async () => {
    const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
    expect(res?.status()).toBe(200);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid^=region-]').length === n,
      { timeout: 10_000 },
      t.regions.length,
    );
    for (const r of t.regions) expect(await statusOf(page, r.name)).toBe('up');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=flows] tbody tr').length === n,
      { timeout: 20_000 },
      t.flows.length,
    );
    expect(await page.$eval('#topology', (e) => e.textContent)).toBe('active-active');
    expect(await page.$eval('#phase', (e) => e.textContent)).toBe('B');
    // Phase B: no failover form.
    expect(await page.$eval('#failover-section', (e) => (e as unknown as { hidden: boolean }).hidden)).toBe(
      true,
    );
    await page.screenshot({ path: artifactPath('dashboard-active-active.png'), fullPage: true });
  });

  describe('a region outage', () => {
    afterAll(async () => {
      await localUp('active-active'); // the dead region comes back
    }, REVIVE_TIMEOUT_MS);

    it('shows the killed region down within a few seconds, the others up, its flows stale', async () => {
      const killedAt = Date.now();
      await stack.killRegion('eu');
      await page.waitForFunction(
        () => document.querySelector('[data-testid=status-eu]')?.textContent === 'down',
        { timeout: 10_000, polling: 100 },
      );
      const seenS = (Date.now() - killedAt) / 1000;
      console.log(`[dashboard] eu shown down ${seenS.toFixed(1)} s after the kill`);
      expect(seenS).toBeLessThan(5);
      expect(await statusOf(page, 'us-east')).toBe('up');
      expect(await statusOf(page, 'us-west')).toBe('up');
      // The monitor marks the flows of the dead region stale once its samples stop (seconds).
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('[data-testid=flows] tbody tr')]
            .filter((tr) => tr.firstElementChild?.textContent?.includes('eu'))
            .some((tr) => tr.textContent?.includes('STALE')),
        { timeout: 30_000, polling: 250 },
      );
      await page.screenshot({ path: artifactPath('dashboard-region-down.png'), fullPage: true });
    });
  });
});
