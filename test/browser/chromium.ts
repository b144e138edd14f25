// Headless Chromium for the browser tests, the bench and the README screenshot: Debian's
// `chromium` package driven by playwright-core (no browser download), a fresh profile each time.
// `chromiumMissing` says why the browser tests skip.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `browser tests skipped: ${CHROMIUM} is absent (Debian: apt-get install -y chromium)`;

export interface Browser {
  readonly context: BrowserContext;
  /** A new page that records uncaught errors and Content-Security-Policy violations. */
  page(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  readonly page: Page;
  /** Uncaught page errors and console errors, in order. */
  readonly errors: string[];
  /** `securitypolicyviolation` events: the directive and what was blocked. */
  violations(): Promise<string[]>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'scimplan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 1440, height: 900 },
  });
  // Recorded before any script of the page runs.
  await context.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      return { page, errors, violations: () => page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations) };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
