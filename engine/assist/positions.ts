// Positions for editors: LSP-style 0-based line/character ranges (UTF-16 code units, as the
// file's offsets are) from the engine's spans, whose lines and columns LoadedFile.fileSpan gives
// exactly as `scimplan lint` reports them.

import type { FileSpan } from '../diagnostic.ts';
import type { LoadedFile } from '../load-yaml.ts';

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

/** The range between two offsets of the loaded file. */
export function rangeOf(loaded: LoadedFile, startOffset: number, endOffset: number): Range {
  return rangeOfSpan(loaded.fileSpan(startOffset, endOffset));
}
