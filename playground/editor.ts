// The playground's editor: CodeMirror 6 with YAML, the linter's diagnostics (pushed after each
// analysis, not computed here), hover, completion and go to definition from engine/assist over
// the same check, and the clauses of the trace marked in the text.

import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { diagnosticCount, linter, lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { EditorState, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, hoverTooltip, keymap, type DecorationSet } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { completionsAt, definitionAt, hoverAt, type CompletionKind } from '../engine/assist/index.ts';
import type { Diagnostic } from '../engine/diagnostic.ts';
import type { TenantFileCheck } from '../engine/check-tenant-file.ts';
import type { CaseResult, TracedClause } from './session.ts';

/** A marked clause: its range and whether it held (true), did not (false), or gave a value. */
export interface ClauseMark {
  readonly from: number;
  readonly to: number;
  readonly value: 'true' | 'false' | 'value';
  readonly active: boolean;
}

const setClauses = StateEffect.define<readonly ClauseMark[]>();

/** A clause mark is drawn when it covers text; its class says its value and whether it is the active one. */
const drawn = (m: ClauseMark): boolean => m.to > m.from;
const clauseClass = (m: ClauseMark): string => `cm-clause cm-clause-${m.value}${m.active ? ' cm-clause-active' : ''}`;

const clauseField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setClauses)) {
        const ranges = effect.value
          .filter((m) => drawn(m) && m.to <= tr.state.doc.length)
          .map((m) => Decoration.mark({ class: clauseClass(m) }).range(m.from, m.to));
        return Decoration.set(ranges, true);
      }
    }
    return marks.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

export interface EditorHooks {
  /** Called after every change of the text. */
  readonly onChange: (text: string) => void;
  /**
   * The page's check of `text` (hover, completion and go to definition reuse it, never check
   * again), once the analysis of that text is done; undefined when a newer text replaced it.
   */
  readonly checkFor: (text: string) => Promise<TenantFileCheck | undefined>;
}

const completionType: Record<CompletionKind, string> = { attribute: 'property', alias: 'namespace', function: 'function', field: 'variable', keyword: 'keyword' };

/** The editor's own styles: through CodeMirror's themes, i.e. constructed style sheets (no <style>). */
const playgroundTheme = EditorView.baseTheme({
  '&': { height: '100%', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
  '.cm-clause-true': { backgroundColor: 'rgba(18, 183, 106, .16)' },
  '.cm-clause-false': { backgroundColor: 'rgba(240, 68, 56, .12)' },
  '.cm-clause-value': { backgroundColor: 'rgba(46, 144, 250, .12)' },
  '.cm-clause-active': { outline: '2px solid #f79009' },
  '.cm-assist-hover': { maxWidth: '34rem', padding: '0 .5rem', fontSize: '12px' },
});

/**
 * The editor, mounted in a shadow root of `parent`: CodeMirror then styles itself with adopted
 * style sheets instead of a <style> element, which the page's Content-Security-Policy forbids.
 */
export function createEditor(parent: HTMLElement, text: string, hooks: EditorHooks): EditorView {
  const root = parent.attachShadow({ mode: 'open' });
  const complete = async (context: CompletionContext): Promise<CompletionResult | null> => {
    const check = await hooks.checkFor(context.state.doc.toString());
    const items = check ? completionsAt(check, context.pos) : [];
    if (items.length === 0) return null;
    return {
      from: items[0]!.range.startOffset,
      options: items.map((item) => ({
        label: item.label,
        type: completionType[item.kind],
        ...(item.detail ? { detail: item.detail } : {}),
        ...(item.documentation ? { info: item.documentation } : {}),
      })),
    };
  };
  const hover = hoverTooltip(async (view, pos) => {
    const check = await hooks.checkFor(view.state.doc.toString());
    const found = check ? hoverAt(check, pos) : undefined;
    if (!found) return null;
    return {
      pos: found.range.startOffset,
      end: Math.max(found.range.endOffset, found.range.startOffset),
      above: true,
      create: () => {
        const dom = document.createElement('div');
        dom.className = 'cm-assist-hover';
        for (const paragraph of found.markdown.split('\n\n')) {
          const p = document.createElement('p');
          p.textContent = paragraph.replace(/\*\*/g, '').replace(/`/g, '');
          dom.append(p);
        }
        return { dom };
      },
    };
  });
  // Go to definition (F12, or Ctrl/Cmd-click): engine/assist's definitionAt, as the language server's.
  const goToDefinition = async (view: EditorView, pos: number): Promise<boolean> => {
    const check = await hooks.checkFor(view.state.doc.toString());
    const range = check ? definitionAt(check, pos) : undefined;
    if (!range || check!.loaded.text !== view.state.doc.toString()) return false;
    view.dispatch({ selection: { anchor: range.startOffset, head: range.endOffset }, effects: EditorView.scrollIntoView(range.startOffset, { y: 'center' }) });
    view.focus();
    return true;
  };
  const definitionKeys = keymap.of([
    {
      key: 'F12',
      run: (view) => {
        void goToDefinition(view, view.state.selection.main.head);
        return true;
      },
    },
  ]);
  const definitionClick = EditorView.domEventHandlers({
    mousedown: (event, view) => {
      if (!(event.ctrlKey || event.metaKey)) return false;
      const pos = view.posAtCoords({ x: event.clientX, y: event.clientY });
      if (pos === null) return false;
      event.preventDefault();
      void goToDefinition(view, pos);
      return true;
    },
  });
  const extensions: Extension[] = [
    definitionKeys,
    definitionClick,
    basicSetup,
    yaml(),
    playgroundTheme,
    lintGutter(),
    // Hovering a diagnostic shows engine/assist's hover (the catalogue entry, message, notes and
    // help); CodeMirror's own lint tooltip is kept for the failed test cases only.
    linter(null, { tooltipFilter: (found) => found.filter((d) => d.source === 'test') }),
    clauseField,
    hover,
    autocompletion({ override: [complete] }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) hooks.onChange(update.state.doc.toString());
    }),
  ];
  return new EditorView({ parent: root, root, state: EditorState.create({ doc: text, extensions }) });
}

/** The linter's diagnostics and the failed test cases, as CodeMirror diagnostics. */
export function showDiagnostics(view: EditorView, diagnostics: readonly Diagnostic[], tests: readonly CaseResult[]): void {
  const length = view.state.doc.length;
  const clamp = (n: number) => Math.max(0, Math.min(n, length));
  const out: CmDiagnostic[] = diagnostics.map((d) => ({
    from: clamp(d.span?.start ?? 0),
    to: clamp(d.span?.end ?? 0),
    severity: d.severity,
    source: d.code,
    message: [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`), ...(d.help ? [`help: ${d.help}`] : [])].join('\n'),
  }));
  for (const test of tests) {
    if (test.passed || !test.span) continue;
    out.push({ from: clamp(test.span.start), to: clamp(test.span.end), severity: 'warning', source: 'test', message: `test fails: ${test.failures.join('; ')}` });
  }
  // A redraw only when there is something to change (most keystrokes in a clean file have none).
  if (out.length === 0 && diagnosticCount(view.state) === 0) return;
  view.dispatch(setDiagnostics(view.state, out));
}

/** Marks the clauses of the trace; `active` is the one to bring into view. */
export function showClauses(view: EditorView, clauses: readonly TracedClause[], active?: number): void {
  const marks: ClauseMark[] = [];
  clauses.forEach((c, i) => {
    if (!c.span) return;
    const value = c.entry.value === true ? 'true' : c.entry.value === false ? 'false' : 'value';
    marks.push({ from: c.span.start, to: c.span.end, value, active: i === active });
  });
  const focus = active !== undefined ? clauses[active]?.span : undefined;
  // The marks already shown, moved along with the edits: no redraw when they are the ones wanted.
  if (!focus && sameMarks(view.state.field(clauseField), marks)) return;
  view.dispatch({
    effects: [setClauses.of(marks), ...(focus ? [EditorView.scrollIntoView(focus.start, { y: 'center' })] : [])],
  });
}

function sameMarks(shown: DecorationSet, wanted: readonly ClauseMark[]): boolean {
  const marks = wanted.filter(drawn).sort((a, b) => a.from - b.from || a.to - b.to);
  let i = 0;
  let same = true;
  shown.between(0, Number.MAX_SAFE_INTEGER, (from, to, decoration) => {
    const m = marks[i++];
    const className = m ? clauseClass(m) : undefined;
    if (!m || m.from !== from || m.to !== to || decoration.spec['class'] !== className) same = false;
    return same ? undefined : false;
  });
  return same && i === marks.length;
}
