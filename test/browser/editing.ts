// Driving the playground's editor like a person: click into a line, type, replace the whole text,
// and wait for the page's next analysis (`#main[data-revision]`).

import type { Page } from 'playwright-core';

/** The analysis count the page shows; wait for it to pass `after`. */
export async function revision(page: Page): Promise<number> {
  return Number(await page.getAttribute('#main', 'data-revision'));
}

export async function nextAnalysis(page: Page, after: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById('main')?.dataset['revision']) > n, after);
}

/** Puts the cursor at the end of the first line containing `text`, then types `typed`. */
export async function typeAtEndOf(page: Page, text: string | RegExp, typed: string): Promise<void> {
  const before = await revision(page);
  await page.locator('.cm-line', { hasText: text }).first().click();
  await page.keyboard.press('End');
  await page.keyboard.type(typed);
  await nextAnalysis(page, before);
}

export async function backspace(page: Page, times: number): Promise<void> {
  const before = await revision(page);
  for (let i = 0; i < times; i++) await page.keyboard.press('Backspace');
  await nextAnalysis(page, before);
}

/** Replaces the editor's whole text, as a paste would. */
export async function replaceText(page: Page, text: string): Promise<void> {
  const before = await revision(page);
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  // Inserted into the emptied editor: Chrome's own editing of a selection across elements would
  // write style attributes (refused by the page's CSP) before CodeMirror redraws.
  await page.keyboard.insertText(text);
  await nextAnalysis(page, before);
}
