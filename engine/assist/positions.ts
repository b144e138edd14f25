// Positions for editors: LSP-style 0-based line/character ranges (UTF-16 code units, as the
// file's offsets are) from the engine's spans and offsets, and back.

import type { FileSpan } from '../diagnostic.ts';

export interface Position {
  readonly line: number;
  readonly character: number;
}

/** A range in the file: 0-based positions (end exclusive) plus the same range as offsets. */
export interface Range {
  readonly start: Position;
  readonly end: Position;
  readonly startOffset: number;
  readonly endOffset: number;
}

/** A diagnostic's span as a range: the 1-based line/column of the span, minus one. */
export function rangeOfSpan(span: FileSpan): Range {
  return {
    start: { line: span.line - 1, character: span.column - 1 },
    end: { line: span.endLine - 1, character: span.endColumn - 1 },
    startOffset: span.start,
    endOffset: span.end,
  };
}

/** Offsets at which each line of `text` starts (a line ends at `\n`, `\r\n` or `\r`). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\r' && text[i + 1] === '\n') i++;
    if (c === '\n' || c === '\r') starts.push(i + 1);
  }
  return starts;
}

export function positionAt(text: string, offset: number): Position {
  const starts = lineStarts(text);
  const at = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  while (line + 1 < starts.length && starts[line + 1]! <= at) line++;
  return { line, character: at - starts[line]! };
}

/** The offset of a position; a character past the end of its line stops at the line's end. */
export function offsetAt(text: string, position: Position): number {
  const starts = lineStarts(text);
  if (position.line < 0) return 0;
  if (position.line >= starts.length) return text.length;
  const start = starts[position.line]!;
  const next = position.line + 1 < starts.length ? starts[position.line + 1]! : text.length;
  let end = next;
  while (end > start && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
  return Math.min(start + Math.max(0, position.character), end);
}

export function rangeOf(text: string, startOffset: number, endOffset: number): Range {
  return { start: positionAt(text, startOffset), end: positionAt(text, endOffset), startOffset, endOffset };
}
