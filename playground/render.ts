// The playground's panels as DOM: text only (textContent, never HTML from data), so a value in a
// sample user or a report can never become markup or script.

import { showValue as show } from '../engine/explain.ts';
import { changeParts, type PlanReport } from '../engine/plan-report.ts';
import type { CaseResult, Explained, SampleSummary } from './session.ts';

type Child = Node | string;

export function el(tag: string, props: { class?: string; title?: string; data?: Record<string, string> } = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.title) node.title = props.title;
  for (const [k, v] of Object.entries(props.data ?? {})) node.dataset[k] = v;
  node.append(...children);
  return node;
}

/**
 * Sets `target`'s children to `items`, keeping each child whose signature is unchanged (a
 * keystroke changes one rule: the other rows of the trace and the counts stay as they are).
 */
function reuse(target: HTMLElement, items: readonly { readonly signature: string; readonly make: () => HTMLElement }[]): void {
  const old = [...target.children] as HTMLElement[];
  const next = items.map((item, i) => {
    const have = old[i];
    if (have?.dataset['signature'] === item.signature) return have;
    const made = item.make();
    made.dataset['signature'] = item.signature;
    return made;
  });
  if (next.length !== old.length || next.some((n, i) => n !== old[i])) target.replaceChildren(...next);
}

const row = (name: string, value: Child, data?: Record<string, string>) => el('tr', data ? { data } : {}, el('th', {}, name), el('td', { class: 'value' }, value));

export function renderResult(target: HTMLElement, explained: Explained | undefined, problem?: string): void {
  if (!explained) {
    target.replaceChildren(el('p', { class: 'error' }, problem ?? 'no result'));
    return;
  }
  const evaluation = explained.explanation;
  const { reason } = evaluation;
  const yesNo = (b: boolean) => el('span', { class: b ? 'yes' : 'no' }, String(b));
  const table = el(
    'table',
    { class: 'result' },
    row('key', show(evaluation.key), { field: 'key' }),
    row('deactivated', yesNo(evaluation.deactivated), { field: 'deactivated' }),
    ...(reason !== null ? [row('reason', reason, { field: 'reason' })] : []),
    row('groups', evaluation.groups.length ? evaluation.groups.join(', ') : '(none)', { field: 'groups' }),
  );
  const profile = el('table', { class: 'profile' }, ...Object.entries(evaluation.profile).map(([field, value]) => row(field, show(value), { field: `profile.${field}` })));
  target.replaceChildren(table, el('h4', {}, 'profile'), profile);
}

export function renderSummary(target: HTMLElement, summary: SampleSummary | undefined): void {
  if (!summary || summary.users < 2) {
    target.replaceChildren();
    return;
  }
  let table = target.querySelector<HTMLElement>('table.counts');
  const heading = `all ${summary.users} pasted users`;
  if (!table || target.firstElementChild?.textContent !== heading) {
    table = el('table', { class: 'counts' });
    target.replaceChildren(el('h4', {}, heading), table);
  }
  const rows = [['deactivated', summary.deactivated, 'summary-deactivated'] as const, ...Object.entries(summary.groups).map(([g, n]) => [g, n, undefined] as const)];
  reuse(
    table,
    rows.map(([name, n, field]) => ({ signature: `${name}\u0000${n}`, make: () => row(name, String(n), field ? { field } : undefined) })),
  );
}

export function renderTrace(target: HTMLElement, explained: Explained | undefined, onPick: (index: number) => void): void {
  reuse(
    target,
    (explained?.clauses ?? []).map(({ entry }, index) => {
      const parts = entry.parts.filter((p) => p.source !== entry.source).map((p) => `${p.source}  =>  ${show(p.value)}`);
      const value = `=> ${show(entry.value)}`;
      return {
        signature: JSON.stringify([entry.clause, entry.source, parts, value]),
        make: () => {
          const item = el('li', { data: { clause: entry.clause } }, el('span', { class: 'clause' }, entry.clause), `: ${entry.source}`, ...parts.map((p) => el('div', { class: 'parts' }, p)), el('div', {}, value));
          item.addEventListener('click', () => onPick(index));
          return item;
        },
      };
    }),
  );
}

export function renderTests(target: HTMLElement, tests: readonly CaseResult[], onPick: (index: number) => void): void {
  if (tests.length === 0) {
    reuse(target, [{ signature: 'none', make: () => el('li', {}, '(no tests: in the file, or it does not compile)') }]);
    return;
  }
  reuse(
    target,
    tests.map((test) => ({
      signature: JSON.stringify([test.index, test.name, test.passed, test.failures]),
      make: () => {
        const item = el('li', { class: test.passed ? 'pass' : 'fail', data: { test: String(test.index) } }, test.name, ...test.failures.map((f) => el('div', { class: 'failure' }, f)));
        // the case's place in the file moves as the text above it is edited: read it when picked
        item.addEventListener('click', () => onPick(test.index));
        return item;
      },
    })),
  );
}

/** The admin API's plan report (engine/plan-report.ts): the counts `scimplan plan` prints, and the first changed accounts. */
export function renderPlan(target: HTMLElement, report: PlanReport): void {
  const additions = Object.values(report.groups.additions).reduce((a, b) => a + b, 0);
  const { wouldHold, maxDeactivations, per } = report.safety;
  const counts = el(
    'table',
    { class: 'counts' },
    row('users stored', String(report.users), { count: 'users' }),
    row('would change', String(report.changedUsers), { count: 'changedUsers' }),
    row('profile changes (users)', String(report.profile.users), { count: 'profile' }),
    ...Object.entries(report.profile.fields).map(([f, n]) => row(`  ~ ${f}`, String(n))),
    row('deactivations', String(report.deactivations), { count: 'deactivations' }),
    row(`held by the safety limit (${maxDeactivations} per ${per})`, String(wouldHold), { count: 'wouldHold' }),
    row('reactivations', String(report.reactivations), { count: 'reactivations' }),
    row('holds released', String(report.releases), { count: 'releases' }),
    row('group additions', String(additions), { count: 'groupAdditions' }),
    ...Object.entries(report.groups.additions).map(([g, n]) => row(`  + ${g}`, String(n))),
    row('key changes', String(report.keyChanges), { count: 'keyChanges', ...(report.keyChanges > 0 ? { warn: 'true' } : {}) }),
  );
  const first = report.changes.map((c) => el('li', {}, `${c.userName}  ${changeParts(c).join('  ')}`));
  const notes = report.keyChanges > 0 ? [el('p', { class: 'error' }, 'accounts whose key would change are left untouched by `apply`, and their requests are refused')] : [];
  target.replaceChildren(counts, ...notes, ...(first.length ? [el('h4', {}, `first affected users (${first.length} of ${report.changedUsers})`), el('ul', {}, ...first)] : []));
}
