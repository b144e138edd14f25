// Offsets inside YAML scalars: maps each character of a scalar's value (the expression source)
// back to the exact offset in the tenant file, for every scalar style YAML has.

import type { Scalar } from 'yaml';
import type { FileSpan } from './diagnostic.ts';

/**
 * The source of one expression: a scalar's value and the way back into the file.
 * Invariants: `text` is the scalar's value exactly as YAML cooked it; for every `i` in
 * `[0, text.length)`, `toFileOffset(i)` is the file offset of the character that produced
 * `text[i]`: the character itself, or the start of the escape (`\"`, `\u00e9`, `''`) or the
 * line break of the fold that produced it. `toFileOffset(text.length)` is just past the last
 * character's source. `fileSpan(a, b)` covers the source of `text.slice(a, b)` (end exclusive).
 */
export interface ExpressionSource {
  readonly text: string;
  readonly path: readonly (string | number)[];
  /** The whole scalar in the file, quotes and block header included. */
  readonly span: FileSpan;
  toFileOffset(exprOffset: number): number;
  fileSpan(exprStart: number, exprEnd: number): FileSpan;
}

/** Per value character: where its source starts and ends in the file (end exclusive). */
export interface OffsetMap {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** File offset for `value.length` when the value is empty. */
  readonly emptyAt: number;
  /** False when the walk disagreed with YAML's value and every character points at the scalar's start. */
  readonly exact: boolean;
}

type Builder = { chars: string[]; starts: number[]; ends: number[] };

function push(b: Builder, ch: string, start: number, end: number): void {
  b.chars.push(ch);
  b.starts.push(start);
  b.ends.push(end);
}

const isBreakAt = (s: string, i: number): number => (s[i] === '\r' && s[i + 1] === '\n' ? 2 : s[i] === '\n' || s[i] === '\r' ? 1 : 0);
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/**
 * Folds a line break inside a flow scalar (plain or quoted). `i` points at trailing blanks or
 * the first break; returns the index after the fold (after the next line's leading blanks).
 * One break becomes a space; n > 1 breaks become n - 1 newlines, each mapped to its break.
 */
function fold(src: string, base: number, i: number, b: Builder): number {
  let j = i;
  while (isBlank(src[j])) j++;
  const breaks: number[] = [];
  for (;;) {
    const w = isBreakAt(src, j);
    if (w === 0) break;
    breaks.push(j);
    j += w;
    while (isBlank(src[j])) j++;
  }
  if (breaks.length === 1) push(b, ' ', base + breaks[0]!, base + breaks[0]! + isBreakAt(src, breaks[0]!));
  else {
    for (const at of breaks.slice(1)) push(b, '\n', base + at, base + at + isBreakAt(src, at));
  }
  return j;
}

/** Whether the blanks starting at `i` run into a line break (and so are folded away). */
function blanksThenBreak(src: string, i: number): boolean {
  let j = i;
  while (isBlank(src[j])) j++;
  return isBreakAt(src, j) > 0;
}

function mapPlain(src: string, base: number): Builder {
  const b: Builder = { chars: [], starts: [], ends: [] };
  let i = 0;
  while (i < src.length) {
    if ((isBlank(src[i]) && blanksThenBreak(src, i)) || isBreakAt(src, i) > 0) {
      i = fold(src, base, i, b);
      continue;
    }
    push(b, src[i]!, base + i, base + i + 1);
    i++;
  }
  return b;
}

function mapSingleQuoted(src: string, base: number): Builder {
  const b: Builder = { chars: [], starts: [], ends: [] };
  const end = src.length - 1; // the closing quote
  let i = 1;
  while (i < end) {
    if (src[i] === "'" && src[i + 1] === "'") {
      push(b, "'", base + i, base + i + 2);
      i += 2;
    } else if ((isBlank(src[i]) && blanksThenBreak(src, i)) || isBreakAt(src, i) > 0) {
      i = fold(src, base, i, b);
    } else {
      push(b, src[i]!, base + i, base + i + 1);
      i++;
    }
  }
  return b;
}

const simpleEscapes: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const hexLength: Record<string, number> = { x: 2, u: 4, U: 8 };

function mapDoubleQuoted(src: string, base: number): Builder {
  const b: Builder = { chars: [], starts: [], ends: [] };
  const end = src.length - 1;
  let i = 1;
  while (i < end) {
    const c = src[i]!;
    if (c === '\\') {
      const e = src[i + 1] ?? '';
      const w = isBreakAt(src, i + 1);
      if (w > 0) {
        // an escaped line break joins the lines: nothing is produced, leading blanks go
        let j = i + 1 + w;
        while (isBlank(src[j])) j++;
        i = j;
      } else if (e in simpleEscapes) {
        push(b, simpleEscapes[e]!, base + i, base + i + 2);
        i += 2;
      } else if (e in hexLength) {
        const n = hexLength[e]!;
        const code = Number.parseInt(src.slice(i + 2, i + 2 + n), 16);
        const s = Number.isNaN(code) ? '' : String.fromCodePoint(code);
        for (const unit of s.split('')) push(b, unit, base + i, base + i + 2 + n);
        i += 2 + n;
      } else {
        push(b, e, base + i, base + i + 2);
        i += 2;
      }
    } else if ((isBlank(c) && blanksThenBreak(src, i)) || isBreakAt(src, i) > 0) {
      i = fold(src, base, i, b);
    } else {
      push(b, c, base + i, base + i + 1);
      i++;
    }
  }
  return b;
}

interface BlockHeader {
  readonly folded: boolean;
  readonly chomp: 'clip' | 'strip' | 'keep';
  readonly explicit?: number;
}

function readHeader(header: string): BlockHeader {
  const folded = header[0] === '>';
  let chomp: BlockHeader['chomp'] = 'clip';
  let explicit: number | undefined;
  for (const c of header.slice(1)) {
    if (c === '-') chomp = 'strip';
    else if (c === '+') chomp = 'keep';
    else if (c >= '1' && c <= '9') explicit = Number(c);
  }
  return explicit === undefined ? { folded, chomp } : { folded, chomp, explicit };
}

interface Line {
  /** Offset of the line in `src`. */
  readonly at: number;
  readonly text: string;
  /** Offset of its line break in `src`, or -1 at the end of the file. */
  readonly br: number;
  readonly brWidth: number;
}

function splitLines(src: string): Line[] {
  const lines: Line[] = [];
  let at = 0;
  while (at < src.length) {
    let j = at;
    while (j < src.length && isBreakAt(src, j) === 0) j++;
    const w = isBreakAt(src, j);
    lines.push({ at, text: src.slice(at, j), br: w > 0 ? j : -1, brWidth: w });
    at = j + w;
  }
  return lines;
}

/** Maps a block scalar's content (the lines after its header) for content indentation `n`. */
function mapBlock(src: string, base: number, h: BlockHeader, n: number): Builder {
  const b: Builder = { chars: [], starts: [], ends: [] };
  const lines = splitLines(src);
  const isEmpty = (l: Line): boolean => l.text.length <= n && /^ *$/.test(l.text);
  // trailing empty lines belong to chomping, not content
  let last = lines.length - 1;
  while (last >= 0 && isEmpty(lines[last]!)) last--;
  const lineBreak = (l: Line): [number, number] => (l.br >= 0 ? [base + l.br, base + l.br + l.brWidth] : [base + src.length, base + src.length]);
  let prevText: Line | undefined; // the previous content line, for folding
  let pendingEmpty: Line[] = [];
  for (let k = 0; k <= last; k++) {
    const l = lines[k]!;
    if (isEmpty(l)) {
      pendingEmpty.push(l);
      continue;
    }
    const content = l.text.slice(n);
    const moreIndented = isBlank(content[0]);
    if (prevText) {
      const prevMore = isBlank(prevText.text.slice(n)[0]);
      if (h.folded && !moreIndented && !prevMore) {
        if (pendingEmpty.length === 0) push(b, ' ', ...lineBreak(prevText));
        else for (const e of pendingEmpty) push(b, '\n', ...lineBreak(e));
      } else {
        push(b, '\n', ...lineBreak(prevText));
        for (const e of pendingEmpty) push(b, '\n', ...lineBreak(e));
      }
    } else {
      for (const e of pendingEmpty) push(b, '\n', ...lineBreak(e));
    }
    pendingEmpty = [];
    for (let c = 0; c < content.length; c++) push(b, content[c]!, base + l.at + n + c, base + l.at + n + c + 1);
    prevText = l;
  }
  if (h.chomp === 'strip') return b;
  if (prevText) push(b, '\n', ...lineBreak(prevText));
  if (h.chomp === 'keep') {
    for (let k = last + 1; k < lines.length; k++) push(b, '\n', ...lineBreak(lines[k]!));
  }
  return b;
}

function detectIndent(src: string): number {
  // the first non-empty line sets the indentation; with none, the longest blank line does
  let longest = 0;
  for (const l of splitLines(src)) {
    if (/^ *$/.test(l.text)) {
      longest = Math.max(longest, l.text.length);
      continue;
    }
    return /^ */.exec(l.text)![0].length;
  }
  return longest;
}

interface BlockToken {
  readonly type: 'block-scalar';
  readonly offset: number;
  readonly indent: number;
  readonly props: readonly { readonly type: string; readonly offset: number; readonly indent: number; readonly source: string }[];
  readonly source: string;
}

/**
 * Builds the offset map of a scalar node from its source token. Each style is walked raw and
 * cooked together; the result is checked against the value YAML produced and, should the two
 * ever disagree, replaced by a map that points every character at the scalar's start rather
 * than at a wrong place.
 */
export function mapScalar(node: Scalar, fileText: string): OffsetMap {
  const value = typeof node.value === 'string' ? node.value : String(node.value);
  const range = node.range ?? [0, 0, 0];
  const token = node.srcToken as { type?: string } | undefined;
  const start = range[0];
  const end = range[1];
  const candidates: Builder[] = [];
  switch (token?.type) {
    case 'single-quoted-scalar':
      candidates.push(mapSingleQuoted(fileText.slice(start, end), start));
      break;
    case 'double-quoted-scalar':
      candidates.push(mapDoubleQuoted(fileText.slice(start, end), start));
      break;
    case 'block-scalar': {
      const t = token as BlockToken;
      const header = t.props.find((p) => p.type === 'block-scalar-header');
      const h = readHeader(header?.source ?? '|');
      const lastProp = t.props[t.props.length - 1];
      const contentStart = lastProp ? lastProp.offset + lastProp.source.length : start;
      const src = t.source;
      const indents = new Set<number>();
      if (h.explicit !== undefined) {
        indents.add(t.indent + h.explicit);
        if (header) indents.add(header.indent + h.explicit);
        indents.add(h.explicit);
      }
      indents.add(detectIndent(src));
      for (const n of indents) candidates.push(mapBlock(src, contentStart, h, n));
      break;
    }
    default:
      candidates.push(mapPlain(fileText.slice(start, end), start));
  }
  for (const b of candidates) {
    if (b.chars.join('') === value) return { starts: b.starts, ends: b.ends, emptyAt: emptyOffset(token?.type, start, end), exact: true };
  }
  return {
    starts: Array.from({ length: value.length }, () => start),
    ends: Array.from({ length: value.length }, () => end),
    emptyAt: start,
    exact: false,
  };
}

function emptyOffset(type: string | undefined, start: number, end: number): number {
  // an empty quoted scalar: the position between the quotes
  if (type === 'single-quoted-scalar' || type === 'double-quoted-scalar') return Math.min(start + 1, end);
  return start;
}

/** Wraps an offset map as an ExpressionSource. */
export function makeExpressionSource(
  text: string,
  path: readonly (string | number)[],
  span: FileSpan,
  map: OffsetMap,
  toSpan: (start: number, end: number) => FileSpan,
): ExpressionSource {
  const n = text.length;
  const endOffset = n > 0 ? map.ends[n - 1]! : map.emptyAt;
  const toFileOffset = (i: number): number => {
    if (i <= 0) return n > 0 ? map.starts[0]! : map.emptyAt;
    if (i >= n) return endOffset;
    return map.starts[i]!;
  };
  return {
    text,
    path,
    span,
    toFileOffset,
    fileSpan(exprStart: number, exprEnd: number): FileSpan {
      const s = Math.max(0, Math.min(exprStart, n));
      const e = Math.max(s, Math.min(exprEnd, n));
      const from = toFileOffset(s);
      const to = e > s ? Math.max(map.ends[e - 1]!, from) : from;
      return toSpan(from, to);
    },
  };
}
