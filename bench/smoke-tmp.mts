import { buildPlayground, tenantValidatorSource } from '../scripts/build-playground.js';
await buildPlayground('/tmp/pg-out', await tenantValidatorSource(new URL('../engine/tenant-schema.ts', import.meta.url).href));
import { startPlayground } from '../cli/playground.ts';
import { launchChromium } from '../test/browser/chromium.ts';

const server = await startPlayground({ port: 0, assets: '/tmp/pg-out' });
const b = await launchChromium();
const w = await b.page();
await w.page.goto(server.url);
await w.page.waitForSelector('#main[data-revision]');
console.log(await w.page.textContent('#status'));
console.log(await w.page.textContent('#result'));
await w.page.hover('.cm-lint-marker'); await w.page.waitForTimeout(500); console.log(await w.page.locator('.cm-tooltip').allTextContents());
console.log('errors', w.errors, 'csp', await w.violations());
await w.page.screenshot({ path: '/tmp/shot.png' });
await b.close();
await server.close();
