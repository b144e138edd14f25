// The playground page served by the SCIM server (`scimplan serve` at /playground/) in headless
// Chromium, on PGlite with stored users: without the admin token no stored user is shown; with it
// (pasted, sent as a header, never shown back) a stored user is explained, and "what would this
// change" shows the counts `scimplan plan` reports for the same file. Skips without Chromium.

import type { FastifyInstance } from 'fastify';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatedApp } from '../server/helpers.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { edit, exampleData, planOf, type ExampleData } from '../cli/helpers.ts';
import { buildPageForTests } from './build.ts';
import { chromiumMissing, launchChromium, type Browser, type WatchedPage } from './chromium.ts';
import { replaceText } from './editing.ts';
import { changeParts, type PlanReport } from '../../engine/plan-report.ts';

const ADMIN = 'playground-admin-token-7f3a9c';
const NOW = '2026-05-02T09:00:00Z';

describe.skipIf(chromiumMissing !== undefined)('playground page on a server', () => {
  let data: ExampleData;
  let assets: string;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let tab: WatchedPage;

  beforeAll(async () => {
    [data, assets] = await Promise.all([exampleData(), buildPageForTests()]);
    const { db } = await data.open();
    app = validatedApp({ db, tenants: new TenantRegistry([planOf(data.yaml)]), adminToken: ADMIN, playgroundAssets: assets, logger: false });
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/playground`;
    browser = await launchChromium();
    tab = await browser.page();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await data?.remove();
    if (assets) await rm(assets, { recursive: true, force: true });
  });

  it('lists stored users only with the admin token', async () => {
    const list = `/api/v1/tenants/${data.tenant}/users`;
    expect((await app.inject({ url: list })).statusCode).toBe(401);
    expect((await app.inject({ url: list, headers: { authorization: `Bearer secret-${data.tenant}` } })).statusCode).toBe(401);
    const ok = await app.inject({ url: list, headers: { authorization: `Bearer ${ADMIN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.json().total).toBe(24);

    const { page } = tab;
    await page.goto(url); // redirected to /playground/
    await page.waitForSelector('#main[data-revision]');
    expect(await page.isVisible('#server')).toBe(true);
    await expect(page.locator('#sample option[value^="stored:"]').count()).resolves.toBe(0);
    expect(await page.isDisabled('#plan')).toBe(true);
  });

  it('takes the token into memory only, explains a stored user, and plans the edited file as `scimplan plan` does', async () => {
    const { page } = tab;
    // A changed mapping and a new group rule, for the stored users' tenant.
    const yaml = edit(edit(data.yaml, '  function: title\n', '  function: upper(title)\n'), 'groups:\n', 'groups:\n  - group: Engineering\n    when: department eq "Engineering"\n');
    await replaceText(page, yaml);
    expect(await page.textContent('#status')).toContain('0 error(s)');
    await page.fill('#now', NOW);
    await page.fill('#token', ADMIN);
    await page.click('#token-form button[type=submit]');
    await expect(page.waitForFunction(() => document.getElementById('server-state')?.textContent?.startsWith('token accepted'))).resolves.toBeTruthy();
    expect(await page.textContent('#server-state')).toBe(`token accepted; 24 user(s) stored for tenant ${data.tenant}`);
    expect(await page.inputValue('#token')).toBe('');
    await expect(page.locator('#sample option[value^="stored:"]').count()).resolves.toBe(24);

    const engineer = page.locator('#sample option', { hasText: 'stored: user11@acme.example' });
    await page.selectOption('#sample', (await engineer.getAttribute('value'))!);
    await page.waitForFunction(() => document.querySelector('[data-field="groups"] td')?.textContent === 'Engineering, Everyone');
    await expect(page.textContent('[data-field="profile.function"] td')).resolves.toBe('"ENGINEER"');
    await expect(page.textContent('[data-field="deactivated"] td')).resolves.toBe('false');

    await page.click('#plan');
    await page.locator('#plan-result [data-count="users"]').waitFor();
    const file = await data.write('edited.yaml', yaml);
    const cli = await data.run(['plan', file, ...data.dbArgs, '--now', NOW, '--format', 'json']);
    const plan = JSON.parse(cli.out) as PlanReport;
    const count = (name: string) => page.textContent(`#plan-result [data-count="${name}"] td`);
    expect(await count('users')).toBe(String(plan.users));
    expect(await count('changedUsers')).toBe(String(plan.changedUsers));
    expect(await count('profile')).toBe(String(plan.profile.users));
    expect(await count('deactivations')).toBe(String(plan.deactivations));
    expect(await count('reactivations')).toBe(String(plan.reactivations));
    expect(await count('groupAdditions')).toBe(String(Object.values(plan.groups.additions).reduce((a, b) => a + b, 0)));
    expect(await count('releases')).toBe(String(plan.releases));
    expect(await count('keyChanges')).toBe(String(plan.keyChanges));
    expect(await count('wouldHold')).toBe(String(plan.safety.wouldHold));
    // the per-field and per-group lines, as `scimplan plan` lists them
    const lines = await page.locator('#plan-result table.counts th').allTextContents();
    for (const field of Object.keys(plan.profile.fields)) expect(lines).toContain(`  ~ ${field}`);
    for (const group of Object.keys(plan.groups.additions)) expect(lines).toContain(`  + ${group}`);
    expect(await page.locator('#plan-result li').first().textContent()).toBe(`${plan.changes[0]!.userName}  ${changeParts(plan.changes[0]!).join('  ')}`);
    expect(plan.changedUsers).toBe(24);
    await expect(page.locator('#plan-result li').count()).resolves.toBe(10);

    // Never shown back: not in the page, its shadow roots, its address or its storage.
    const everything = await page.evaluate(() => {
      const shadow = [...document.querySelectorAll('*')].map((e) => e.shadowRoot?.innerHTML ?? '').join('');
      return document.documentElement.outerHTML + shadow + location.href + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage });
    });
    expect(everything).not.toContain(ADMIN);
  });

  it('writes nothing: the stored users are unchanged after planning', async () => {
    const cli = await data.run(['plan', await data.write('same.yaml', data.yaml), ...data.dbArgs, '--now', NOW, '--format', 'json']);
    expect(JSON.parse(cli.out).changedUsers).toBe(0);
    expect(await tab.violations()).toEqual([]);
    expect(tab.errors).toEqual([]);
  });
});
