// The playground page in headless Chromium, offline (`scimplan playground FILE`): a mistake typed
// into the editor shows the linter's diagnostic (code, span) where `scimplan lint --format json`
// puts it, and goes away when fixed; a sample user shows profile, deactivation, groups and the
// trace, each clause marked in the editor; the file's tests run live, failures at the case; the
// download is the edited file; a strict CSP with no violation. Skips without /usr/bin/chromium.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type PlaygroundServer } from '../../cli/playground.ts';
import { catalog, type Code } from '../../engine/catalog.ts';
import { PLAYGROUND_CSP } from '../../server/routes/playground.ts';
import { run } from '../cli/helpers.ts';
import { buildPageForTests } from './build.ts';
import { chromiumMissing, launchChromium, type Browser, type WatchedPage } from './chromium.ts';
import { backspace, nextAnalysis, revision, typeAtEndOf } from './editing.ts';

const CONFIG = 'examples/valid/acme-entra.yaml';
if (chromiumMissing) console.warn(chromiumMissing);

describe.skipIf(chromiumMissing !== undefined)('playground page (offline)', () => {
  let assets: string;
  let server: PlaygroundServer;
  let browser: Browser;
  let tab: WatchedPage;

  beforeAll(async () => {
    assets = await buildPageForTests();
    server = await startPlayground({ config: CONFIG, text: await readFile(CONFIG, 'utf8'), port: 0, assets });
    browser = await launchChromium();
    tab = await browser.page();
    const response = await tab.page.goto(server.url);
    expect(response?.headers()['content-security-policy']).toBe(PLAYGROUND_CSP);
    await tab.page.waitForSelector('#main[data-revision]');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (assets) await rm(assets, { recursive: true, force: true });
  });

  it('opens the given file; listens on 127.0.0.1 only; offers no server panel', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/playground\/$/);
    expect(await tab.page.textContent('#status')).toContain('0 error(s)');
    expect(await tab.page.isHidden('#server')).toBe(true);
    await expect(tab.page.locator('.cm-line', { hasText: 'tenant: acme' }).count()).resolves.toBe(1);
  });

  it('shows a typed mistake where `scimplan lint` puts it, with its code and help, and clears it when fixed', async () => {
    const { page } = tab;
    await typeAtEndOf(page, '  function: title', 'x');
    // The CLI on the same text.
    const text = (await readFile(CONFIG, 'utf8')).replace('  function: title\n', '  function: titlex\n');
    const file = join(assets, 'mistake.yaml');
    await writeFile(file, text);
    const lint = JSON.parse((await run(['lint', '--format', 'json', file])).out) as { diagnostics: { code: string; severity: string; message: string; span: { start: number; end: number } }[] };
    const errors = (lint.diagnostics as { code: string; severity: string; message: string; help?: string; span: { start: number; end: number } }[]).filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    const [expected] = errors;
    expect(await page.textContent('#status')).toContain('1 error(s)');
    const marked = page.locator('.cm-lintRange-error');
    await expect(marked.count()).resolves.toBe(1);
    expect(await marked.textContent()).toBe(text.slice(expected!.span.start, expected!.span.end));
    // Hover: the catalogue's entry for the code, the message and the help, as the CLI has them.
    await marked.hover();
    const tooltip = page.locator('.cm-assist-hover');
    await tooltip.waitFor();
    const shown = await tooltip.textContent();
    expect(shown).toContain(`error[${expected!.code}] ${catalog[expected!.code as Code].slug}`);
    expect(shown).toContain(expected!.message.replace(/`/g, ''));
    if (expected!.help) expect(shown).toContain(expected!.help.replace(/`/g, ''));
    expect(await page.textContent('#result')).toContain('the file has errors');

    await backspace(page, 1);
    expect(await page.textContent('#status')).toContain('0 error(s)');
    await expect(page.locator('.cm-lintRange-error').count()).resolves.toBe(0);
  });

  it('explains a test case: profile, deactivation, groups and the trace, each clause marked in the editor', async () => {
    const { page } = tab;
    const before = await revision(page);
    await page.selectOption('#sample', 'test:0');
    expect(await page.getAttribute('#main', 'data-revision')).toBe(String(before)); // no new analysis needed
    await expect(page.textContent('[data-field="groups"] td')).resolves.toBe('Management, Amsterdam office, Everyone');
    await expect(page.textContent('[data-field="deactivated"] td')).resolves.toBe('false');
    await expect(page.textContent('[data-field="profile.displayName"] td')).resolves.toBe('"Ada Lovelace"');
    await expect(page.textContent('[data-field="profile.language"] td')).resolves.toBe('"nl-nl"');
    // key, 12 profile fields, the deactivation, 5 group rules
    await expect(page.locator('#trace li').count()).resolves.toBe(19);
    // A mark may be split where the syntax highlighting splits the text: join its pieces.
    const active = async () => (await page.locator('.cm-clause-active').allTextContents()).join('');
    await expect(page.locator('.cm-clause-true', { hasText: 'city eq "Amsterdam"' }).count()).resolves.toBe(1);
    await page.locator('#trace li[data-clause="groups[1] Management"]').click();
    await expect(active()).resolves.toBe('function in ["Director", "CFO", "CEO"]');
    await expect(page.getAttribute('.cm-clause-active', 'class')).resolves.toContain('cm-clause-true');
    await page.locator('#trace li[data-clause="deactivate.when"]').click();
    await expect(active()).resolves.toBe('active eq false or acme.employmentEndDate le now()');
    await expect(page.getAttribute('.cm-clause-active', 'class')).resolves.toContain('cm-clause-false');
  });

  it('explains pasted SCIM JSON, with the deactivation reason', async () => {
    const { page } = tab;
    const user = { userName: 'eve@acme.example', externalId: 'e-1', active: false, title: 'CFO', emails: [{ type: 'work', value: 'eve@acme.example' }] };
    await page.fill('#now', '2026-05-01T09:00:00Z');
    await page.fill('#paste', JSON.stringify({ Resources: [user, { ...user, userName: 'x@acme.example', active: true }] }));
    await expect(page.textContent('#paste-state')).resolves.toBe('2 user(s) pasted');
    await expect(page.inputValue('#sample')).resolves.toBe('paste:0');
    await expect(page.textContent('[data-field="deactivated"] td')).resolves.toBe('true');
    await expect(page.textContent('[data-field="reason"] td')).resolves.toContain('active eq false');
    await expect(page.textContent('[data-field="groups"] td')).resolves.toBe('Management, Everyone');
    await expect(page.textContent('[data-field="summary-deactivated"] td')).resolves.toBe('1');
    await page.fill('#paste', '{"userName": ');
    await expect(page.textContent('#paste-state')).resolves.toMatch(/^not valid JSON/);
  });

  it("runs the file's tests live and shows a failure at its case", async () => {
    const { page } = tab;
    await expect(page.locator('#tests li.pass').count()).resolves.toBe(5);
    await expect(page.textContent('#status')).resolves.toContain('tests: 5/5 pass');
    // A wrong expectation in the first case.
    await typeAtEndOf(page, /^\s+language: nl-nl$/, 'x');
    await expect(page.textContent('#status')).resolves.toContain('tests: 4/5 pass');
    const failed = page.locator('#tests li.fail');
    await expect(failed.count()).resolves.toBe(1);
    expect(await failed.textContent()).toContain('profile.language: expected "nl-nlx", got "nl-nl"');
    expect(await page.textContent('#status')).toContain('0 error(s)');
    const atCase = page.locator('.cm-lintRange-warning');
    await expect(atCase.textContent()).resolves.toBe('a director in Amsterdam joins Management and the office group');
    await atCase.hover();
    await expect(page.locator('.cm-tooltip-lint').textContent()).resolves.toContain('test fails: profile.language: expected "nl-nlx"');
    await backspace(page, 1);
    await expect(page.textContent('#status')).resolves.toContain('tests: 5/5 pass');
  });

  it('downloads the edited file', async () => {
    const { page } = tab;
    await typeAtEndOf(page, 'onDelete: keep', ' # edited');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('acme-entra.yaml');
    const saved = await readFile((await download.path())!, 'utf8');
    expect(saved).toBe((await readFile(CONFIG, 'utf8')).replace('onDelete: keep\n', 'onDelete: keep # edited\n'));
  });

  it('completes and explains from the engine (assist): enterprise attributes after `enterprise.`', async () => {
    const { page } = tab;
    const before = await revision(page);
    await page.locator('.cm-line', { hasText: '  department: enterprise.department' }).first().click();
    await page.keyboard.press('End');
    for (let i = 0; i < 'department'.length + 1; i++) await page.keyboard.press('Backspace');
    await nextAnalysis(page, before);
    await page.keyboard.type('.');
    const options = page.locator('.cm-tooltip-autocomplete li');
    await options.first().waitFor();
    const labels = await options.allTextContents();
    expect(labels.some((l) => l.startsWith('employeeNumber'))).toBe(true);
    expect(labels.some((l) => l.startsWith('costCenter'))).toBe(true);
    await page.keyboard.press('Escape');
    await page.keyboard.type('department');
    // The analysis of the whole word (no error left) redraws the marks; hover after it, so that no
    // redraw of a half-typed state closes the hover tooltip.
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('0 error(s)') === true);
    // Hover help: the attribute's description from the SCIM schema.
    await page.locator('.cm-line', { hasText: '  employeeNumber: enterprise.employeeNumber' }).getByText('employeeNumber').last().hover();
    await expect(page.locator('.cm-assist-hover').textContent()).resolves.toContain('employeeNumber');
  });

  it('goes to definition from a profile field in a group rule to its mapping (F12 and Ctrl-click), as the language server does', async () => {
    const { page } = tab;
    const selected = () => page.evaluate(() => (document.querySelector('#editor')!.shadowRoot as unknown as { getSelection(): Selection }).getSelection().toString());
    const onLine = async (line: string, word: string) => {
      await page.locator('.cm-line', { hasText: line }).first().click();
      await page.keyboard.press('End');
      for (let i = 0; i < line.length - line.indexOf(word) - 2; i++) await page.keyboard.press('ArrowLeft');
    };
    const active = (text: string) => page.waitForFunction((t) => document.querySelector('#editor')!.shadowRoot!.querySelector('.cm-activeLine')?.textContent === t, text);

    await onLine('when: department eq "Finance" or costCenter sw "FIN-"', 'department');
    await page.keyboard.press('F12');
    await active('  department: enterprise.department');
    expect(await selected()).toBe('department');

    // Ctrl-click on `function`: where the caret stands inside the word, then the cursor moved away
    await onLine('when: function in ["Director", "CFO", "CEO"]', 'function');
    const caret = await page.evaluate(() => {
      const sel = (document.querySelector('#editor')!.shadowRoot as unknown as { getSelection(): Selection }).getSelection();
      const rect = sel.getRangeAt(0).getBoundingClientRect();
      return { x: rect.x, y: rect.y + rect.height / 2 };
    });
    await page.keyboard.press('ArrowDown');
    await page.mouse.move(caret.x + 2, caret.y);
    await page.keyboard.down('Control');
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.up('Control');
    await active('  function: title');
    expect(await selected()).toBe('function');
  });

  it('bundles no eval: the script has no `eval(` and no `new Function(` (the CSP would refuse them)', async () => {
    const bundle = await readFile(join(assets, 'playground.js'), 'utf8');
    expect(bundle).not.toMatch(/\beval\s*\(|\bnew\s+Function\s*\(/);
    expect(bundle).not.toMatch(/(\bfrom|\bimport\s*\()\s*["']node:/);
  });

  it('ran without page errors or Content-Security-Policy violations', async () => {
    expect(tab.errors).toEqual([]);
    expect(await tab.violations()).toEqual([]);
  });
});
