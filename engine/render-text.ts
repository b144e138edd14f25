// Renders diagnostics as text: `FILE:LINE:COL: error[CODE]: message`, a rustc-style code
// frame with the primary span underlined, secondary labels, then notes and help.

import type { Diagnostic, FileSpan } from './diagnostic.ts';

export interface TextOptions {
  /** File contents by path, for the code frames. */
  readonly sources: ReadonlyMap<string, string>;
  readonly color?: boolean;
}

const colors = {
  error: '\u001b[1;31m',
  warning: '\u001b[1;33m',
  info: '\u001b[1;36m',
  blue: '\u001b[1;34m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
} as const;

export function renderText(diagnostics: readonly Diagnostic[], options: TextOptions): string {
  return diagnostics.map((d) => renderOne(d, options)).join('\n');
}

function renderOne(d: Diagnostic, options: TextOptions): string {
  const paint = (code: keyof typeof colors, text: string) =>
    options.color ? `${colors[code]}${text}${colors.reset}` : text;
  const where = d.span ? `${d.file}:${d.span.line}:${d.span.column}` : d.file;
  const out = [`${where}: ${paint(d.severity, `${d.severity}[${d.code}]`)}: ${paint('bold', d.message)}`];
  const source = options.sources.get(d.file);
  if (d.span && source !== undefined) {
    const marks = [{ span: d.span, message: '', primary: true }, ...(d.labels ?? []).map((l) => ({ ...l, primary: false }))];
    out.push(...codeFrame(mask(source, d.redact ?? []), marks, paint));
  }
  const gutter = ' '.repeat(gutterWidth(d) + 1);
  for (const note of d.notes ?? []) out.push(`${gutter}${paint('blue', '=')} note: ${note}`);
  if (d.help) out.push(`${gutter}${paint('blue', '=')} help: ${d.help}`);
  return `${out.join('\n')}\n`;
}

function gutterWidth(d: Diagnostic): number {
  const lines = [d.span?.endLine ?? 0, ...(d.labels ?? []).map((l) => l.span.endLine)];
  return String(Math.max(...lines)).length;
}

interface Mark {
  readonly span: FileSpan;
  readonly message: string;
  readonly primary: boolean;
}

function codeFrame(source: string, marks: readonly Mark[], paint: (c: keyof typeof colors, t: string) => string): string[] {
  const lines = source.split(/\r?\n/);
  const width = String(Math.max(...marks.map((m) => m.span.endLine))).length;
  const pad = ' '.repeat(width);
  const out = [`${pad} ${paint('blue', '|')}`];
  const byLine = new Map<number, Mark[]>();
  for (const mark of marks) {
    const list = byLine.get(mark.span.line) ?? [];
    list.push(mark);
    byLine.set(mark.span.line, list);
  }
  let previous = -1;
  for (const lineNo of [...byLine.keys()].sort((a, b) => a - b)) {
    if (previous !== -1 && lineNo > previous + 1) out.push(paint('blue', '...'));
    previous = lineNo;
    const full = (lines[lineNo - 1] ?? '').replace(/\t/g, ' ');
    // Very long lines (a 10,000-character expression) show a window around the marks.
    const first = Math.min(...byLine.get(lineNo)!.map((m) => m.span.column - 1));
    const shift = full.length > maxLine && first > maxLine / 2 ? first - 20 : 0;
    const text = clip(full, shift);
    out.push(`${paint('blue', String(lineNo).padStart(width))} ${paint('blue', '|')} ${text}`);
    for (const mark of byLine.get(lineNo)!) {
      const start = mark.span.column - 1 - shift + (shift > 0 ? 3 : 0);
      const end = Math.min(mark.span.endLine === lineNo ? mark.span.endColumn - 1 - shift + (shift > 0 ? 3 : 0) : text.length, text.length);
      const length = Math.max(1, end - start);
      const underline = (mark.primary ? '^' : '-').repeat(length);
      const painted = paint(mark.primary ? 'error' : 'blue', `${underline}${mark.message ? ` ${mark.message}` : ''}`);
      out.push(`${pad} ${paint('blue', '|')} ${' '.repeat(start)}${painted}`);
    }
  }
  out.push(`${pad} ${paint('blue', '|')}`);
  return out;
}

const maxLine = 160;

function clip(line: string, shift: number): string {
  const head = shift > 0 ? `...${line.slice(shift)}` : line;
  return head.length > maxLine ? `${head.slice(0, maxLine)}...` : head;
}

/** Replaces redacted ranges with `*`, keeping line breaks so positions stay right. */
function mask(source: string, ranges: readonly { start: number; end: number }[]): string {
  if (ranges.length === 0) return source;
  const chars = [...source];
  let offset = 0;
  const out: string[] = [];
  for (const ch of chars) {
    const hidden = ranges.some((r) => offset >= r.start && offset < r.end) && ch !== '\n' && ch !== '\r';
    out.push(hidden ? '*' : ch);
    offset += ch.length;
  }
  return out.join('');
}
