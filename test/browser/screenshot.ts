// The README's screenshot of the playground (docs/playground.png), made in headless Chromium:
// `node --import tsx test/browser/screenshot.ts`. The example file, its first test case as the
// sample user, and one clause of the trace picked.

import { readFile, rm } from 'node:fs/promises';
import { startPlayground } from '../../cli/playground.ts';
import { buildPageForTests } from './build.ts';
import { chromiumMissing, launchChromium } from './chromium.ts';

const CONFIG = 'examples/valid/acme-entra.yaml';
if (chromiumMissing) throw new Error(chromiumMissing);
const assets = await buildPageForTests();
const server = await startPlayground({ config: CONFIG, text: await readFile(CONFIG, 'utf8'), port: 0, assets });
const browser = await launchChromium();
try {
  const { page } = await browser.page();
  await page.setViewportSize({ width: 1440, height: 860 });
  await page.goto(server.url);
  await page.waitForSelector('#main[data-revision]');
  await page.selectOption('#sample', 'test:0');
  await page.locator('#trace li[data-clause="groups[1] Management"]').click();
  await page.locator('.cm-lintRange-info').first().hover();
  await page.locator('.cm-assist-hover').waitFor();
  await page.screenshot({ path: 'docs/playground.png' });
} finally {
  await browser.close();
  await server.close();
  await rm(assets, { recursive: true, force: true });
}
