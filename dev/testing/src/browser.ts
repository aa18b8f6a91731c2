import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { findRepoRoot } from '@meridian/topology';

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH: nothing is downloaded. */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) return given;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('no Chromium found: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH');
}

/** A headless Chromium for the browser tests (root in CI: no sandbox). */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    defaultViewport: { width: 1280, height: 900 },
  });
}

/** Where the browser tests write their screenshots (git-ignored). */
export function artifactPath(name: string): string {
  const dir = join(findRepoRoot(), 'test', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** What the browser tests' page callbacks use of the DOM (the project compiles without the DOM library). */
export interface PageElement {
  textContent: string | null;
  firstElementChild: PageElement | null;
  getAttribute(name: string): string | null;
}
export interface PageDocument {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
}
