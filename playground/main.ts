// The playground page: the tenant file in the editor, analysed again after every change (lint,
// plan, tests, the sample user's trace), and on a server the stored users and the plan of the
// edited file through the admin API. Nothing is written to the server.

import starter from '../examples/valid/acme-entra.yaml';
import type { EditorView } from '@codemirror/view';
import { createCheckCache } from '../engine/check-cache.ts';
import type { TenantFileCheck } from '../engine/check-tenant-file.ts';
import { capPerFile } from '../engine/sort-diagnostics.ts';
import { createEditor, showClauses, showDiagnostics } from './editor.ts';
import { el, renderPlan, renderResult, renderSummary, renderTests, renderTrace } from './render.ts';
import { listStoredUsers, planOfFile, storedUser, type StoredUserRef } from './server-api.ts';
import { analyse, explainSample, parseSampleUsers, summariseUsers, testCaseSample, type Analysis, type Explained, type SampleSummary } from './session.ts';

/** What the page was served with (GET context.json): a server's page, or `scimplan playground FILE`. */
interface PageContext {
  readonly server: boolean;
  readonly file?: string;
  readonly text?: string;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function start(): Promise<void> {
  const context = (await fetch('context.json', { cache: 'no-store' }).then((r) => r.json())) as PageContext;
  const file = context.file ?? 'tenant.yaml';
  const main = byId('main');
  const sample = byId<HTMLSelectElement>('sample');
  const clock = byId<HTMLInputElement>('now');
  const paste = byId<HTMLTextAreaElement>('paste');
  let revision = 0;
  // Kept from one analysis to the next: unchanged expressions are not parsed or checked again.
  const cache = createCheckCache();
  let summary: SampleSummary | undefined;
  let analysis: Analysis | undefined;
  let explained: Explained | undefined;
  let pasted: Record<string, unknown>[] = [];
  let stored: StoredUserRef[] = [];
  const storedResources = new Map<string, Record<string, unknown>>();
  // The admin token: in this closure only; never written back to the page, a URL or storage.
  let token: string | undefined;
  let pending: string | undefined;
  const waiting: { text: string; resolve: (check: TenantFileCheck | undefined) => void }[] = [];
  let view: EditorView;

  // Without a clock, the current minute: analyses within it share one clock, so the summary of
  // the pasted users recounts only what an edit changed (session.ts).
  const now = (): Date => {
    const text = clock.value.trim();
    const date = text ? new Date(text) : new Date();
    return Number.isNaN(date.getTime()) || !text ? new Date(Math.floor(Date.now() / 60_000) * 60_000) : date;
  };

  // The options are rebuilt only when what they list changes (not at every keystroke).
  let listed = '';
  const refreshSamples = () => {
    const signature = JSON.stringify([(analysis?.plan?.tests ?? []).map((t) => t.name), pasted.length, stored.length]);
    if (signature === listed) return;
    listed = signature;
    const keep = sample.value;
    const options: HTMLOptionElement[] = [];
    const option = (value: string, label: string) => Object.assign(document.createElement('option'), { value, textContent: label });
    (analysis?.plan?.tests ?? []).forEach((t, i) => options.push(option(`test:${i}`, `test: ${t.name}`)));
    pasted.forEach((u, i) => options.push(option(`paste:${i}`, `pasted: ${String(u['userName'] ?? `#${i + 1}`)}`)));
    stored.forEach((u) => options.push(option(`stored:${u.id}`, `stored: ${u.userName}`)));
    sample.replaceChildren(...options);
    if (options.some((o) => o.value === keep)) sample.value = keep;
  };

  const chosenUser = (): { user: Record<string, unknown>; now: Date } | undefined => {
    const [kind, rest] = [sample.value.slice(0, sample.value.indexOf(':')), sample.value.slice(sample.value.indexOf(':') + 1)];
    if (kind === 'test' && analysis?.plan) return testCaseSample(analysis.plan, Number(rest), now());
    if (kind === 'paste' && pasted[Number(rest)]) return { user: pasted[Number(rest)]!, now: now() };
    const resource = kind === 'stored' ? storedResources.get(rest) : undefined;
    return resource ? { user: resource, now: now() } : undefined;
  };

  // The clauses' marks in the editor, marked before the panels change: CodeMirror's redraw then
  // lays out the editor only (playground.css contains it), not the panels too.
  const markClauses = () => {
    const started = performance.now();
    showClauses(view, explained?.clauses ?? []);
    performance.measure('playground:marks', { start: started, end: performance.now() });
  };

  const pick = (index: number) => {
    if (!explained) return;
    showClauses(view, explained.clauses, index);
    byId('trace').querySelectorAll('li').forEach((li, i) => li.classList.toggle('active', i === index));
  };

  const renderSample = () => {
    const chosen = chosenUser();
    explained = analysis && chosen ? explainSample(analysis, chosen.user, chosen.now) : undefined;
    markClauses();
    const problem = !analysis?.plan ? 'the file has errors: fix them to see a result' : 'pick a sample user: a test case, pasted JSON or a stored user';
    renderResult(byId('result'), explained, problem);
    renderTrace(byId('trace'), explained, pick);
    summary = analysis?.plan && pasted.length > 1 ? summariseUsers(analysis.plan, pasted, now(), summary) : undefined;
    renderSummary(byId('summary'), summary);
  };

  const pickTest = (index: number) => {
    sample.value = `test:${index}`;
    renderSample();
    const span = analysis?.tests[index]?.span;
    if (span) view.dispatch({ selection: { anchor: span.start }, scrollIntoView: true });
  };

  const update = (text: string) => {
    // The two halves of an update, for bench/playground.ts (performance.getEntriesByType('measure')).
    const started = performance.now();
    analysis = analyse(file, text, now(), cache);
    const analysed = performance.now();
    const count = (severity: string) => analysis!.check.diagnostics.filter((d) => d.severity === severity).length;
    const failed = analysis.tests.filter((t) => !t.passed).length;
    // The list `scimplan lint` and the language server show: capped the same way.
    showDiagnostics(view, capPerFile(analysis.check.diagnostics), analysis.tests);
    refreshSamples();
    renderSample();
    renderTests(byId('tests'), analysis.tests, pickTest);
    byId('status').textContent = `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} info${analysis.plan ? `; tests: ${analysis.tests.length - failed}/${analysis.tests.length} pass` : ''}`;
    byId<HTMLButtonElement>('plan').disabled = token === undefined || !analysis.plan;
    const rendered = performance.now();
    performance.measure('playground:analyse', { start: started, end: analysed });
    performance.measure('playground:render', { start: analysed, end: rendered });
    main.dataset.revision = String(++revision);
    main.dataset.renderedAt = String(rendered);
    // Hover, completion and definition asked while this text was being analysed.
    if (pending === undefined) for (const wait of waiting.splice(0)) wait.resolve(wait.text === text ? analysis.check : undefined);
  };

  // Changes within one task (a paste, an undo of several steps) coalesce into one analysis.
  const schedule = (text: string) => {
    const idle = pending === undefined;
    pending = text;
    if (idle) {
      const changed = performance.now();
      // Right after CodeMirror's handling of the input, before the browser draws it: one frame
      // shows the edit and its result.
      queueMicrotask(() => {
        const latest = pending!;
        pending = undefined;
        performance.measure('playground:queued', { start: changed, end: performance.now() });
        update(latest);
      });
    }
  };

  view = createEditor(byId('editor'), context.text ?? starter, {
    onChange: schedule,
    checkFor: (text) => {
      if (analysis?.text === text && pending === undefined) return Promise.resolve(analysis.check);
      return new Promise((resolve) => waiting.push({ text, resolve }));
    },
  });

  paste.addEventListener('input', () => {
    const state = byId('paste-state');
    if (!paste.value.trim()) {
      pasted = [];
      state.textContent = '';
    } else {
      try {
        pasted = parseSampleUsers(paste.value);
        listed = '';
        state.textContent = `${pasted.length} user(s) pasted`;
      } catch (e) {
        state.textContent = (e as Error).message;
        return;
      }
    }
    refreshSamples();
    if (pasted.length) sample.value = 'paste:0';
    renderSample();
  });
  sample.addEventListener('change', async () => {
    const id = sample.value.startsWith('stored:') ? sample.value.slice('stored:'.length) : undefined;
    const tenant = analysis?.plan?.tenant;
    try {
      if (id && token && tenant && !storedResources.has(id)) storedResources.set(id, await storedUser(token, tenant, id));
    } catch (e) {
      byId('server-state').textContent = `cannot read the stored user: ${(e as Error).message}`;
    }
    renderSample();
  });
  clock.addEventListener('change', () => update(view.state.doc.toString()));
  byId('download').addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([view.state.doc.toString()], { type: 'application/yaml' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: file.split('/').pop() ?? 'tenant.yaml' });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });

  if (context.server) setUpServer();
  update(view.state.doc.toString());

  function setUpServer(): void {
    const panel = byId<HTMLDetailsElement>('server');
    const input = byId<HTMLInputElement>('token');
    const state = byId('server-state');
    const forget = byId<HTMLButtonElement>('forget');
    const planButton = byId<HTMLButtonElement>('plan');
    panel.hidden = false;
    state.textContent = 'without the admin token the page works on pasted users and test cases only';
    byId('token-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const presented = input.value;
      input.value = '';
      const tenant = analysis?.check.config?.tenant;
      if (!presented || !tenant) return;
      try {
        const list = await listStoredUsers(presented, tenant);
        token = presented;
        stored = list.users;
        listed = '';
        storedResources.clear();
        state.textContent = `token accepted; ${list.total} user(s) stored for tenant ${tenant}${list.total > list.users.length ? ` (first ${list.users.length} listed)` : ''}`;
        forget.hidden = false;
      } catch (e) {
        state.textContent = `not connected: ${(e as Error).message}`;
      }
      refreshSamples();
      planButton.disabled = token === undefined || !analysis?.plan;
    });
    forget.addEventListener('click', () => {
      token = undefined;
      stored = [];
      listed = '';
      storedResources.clear();
      forget.hidden = true;
      planButton.disabled = true;
      state.textContent = 'token forgotten';
      refreshSamples();
      renderSample();
    });
    planButton.addEventListener('click', async () => {
      const target = byId('plan-result');
      const tenant = analysis?.plan?.tenant;
      if (!token || !tenant) return;
      target.replaceChildren(el('p', {}, 'planning…'));
      try {
        renderPlan(target, await planOfFile(token, tenant, file, view.state.doc.toString(), clock.value.trim() || undefined));
      } catch (e) {
        target.replaceChildren(el('p', { class: 'error' }, (e as Error).message));
      }
    });
  }
}

void start();
