// Stage 1: parse a tenant file's YAML keeping every position. Returns a LoadedFile (the
// document, spans by path, expression sources) plus E001 (syntax) and E005 (duplicate key).

import { Document, LineCounter, YAMLParseError, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import type { Diagnostic, FileSpan } from './diagnostic.ts';
import { severityOf } from './catalog.ts';
import { makeExpressionSource, mapScalar } from './expression-source.ts';
import type { ExpressionSource } from './expression-source.ts';

export type YamlPath = readonly (string | number)[];

/**
 * A parsed tenant file. Invariants: `doc` was parsed with duplicate keys allowed (the later one
 * wins, as in `doc.toJS()`), so lookups by path see the same values as the plain data;
 * key lookups are case-sensitive, as YAML is; spans are 1-based, end exclusive.
 */
export interface LoadedFile {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
  fileSpan(start: number, end: number): FileSpan;
  /** The span of the key or the value at `path` (`[]` is the whole document's content). */
  spanAt(path: YamlPath, which?: 'key' | 'value'): FileSpan | undefined;
  /** The YAML node at `path` (aliases resolved), or undefined. */
  nodeAt(path: YamlPath): Node | undefined;
  /** The expression source of the string scalar at `path`, or undefined when it is not one. */
  expressionAt(path: YamlPath): ExpressionSource | undefined;
  /** The same for the mapping key at `path` (a feed's target attribute path), or undefined. */
  keyExpressionAt(path: YamlPath): ExpressionSource | undefined;
}

/** Aliases a document may expand before it counts as an alias bomb (billion laughs). */
export const MAX_ALIAS_COUNT = 100;

const yamlMessages: Record<string, { message?: string; help?: string }> = {
  TAB_AS_INDENT: { message: 'tabs cannot indent YAML', help: 'indent with spaces' },
  BAD_INDENT: { help: 'align keys of one mapping in the same column, using spaces' },
  MULTIPLE_DOCS: { message: 'the file holds more than one YAML document', help: 'keep one tenant per file and remove the `---` separator' },
  BAD_SCALAR_START: { help: 'quote the value' },
  BLOCK_AS_IMPLICIT_KEY: { help: 'a key fits on one line; check the indentation of the lines above' },
  MULTILINE_IMPLICIT_KEY: { help: 'a key fits on one line; check for a missing `:` or wrong indentation' },
  MISSING_CHAR: { help: 'close the quote or bracket' },
  BAD_DQ_ESCAPE: { help: 'use `\\\\` for a backslash, or single quotes, which have no escapes' },
  KEY_OVER_1024_CHARS: { message: 'a key longer than 1024 characters' },
};

const tooDeep = { message: 'the file is nested too deeply to read', help: 'a tenant file needs only a few levels of nesting' };

function tidyMessage(message: string): string {
  // yaml's messages are sentences; ours are lowercase without a trailing period
  let m = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').trim();
  m = m.replace(/\.$/, '');
  return m.length > 0 ? m[0]!.toLowerCase() + m.slice(1) : 'invalid YAML';
}

function keyText(node: unknown): string | undefined {
  if (isScalar(node)) return node.value === null ? '' : String(node.value);
  return undefined;
}

/**
 * Parses one tenant file. Never throws: syntax errors (and absurd nesting) become E001, duplicate
 * keys in any mapping E005 (reported only when the file is otherwise valid YAML). `loaded.doc.errors`
 * is non-empty exactly when an E001 was reported, and later stages skip such a document.
 */
export function parseYaml(file: string, text: string): { loaded: LoadedFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  const diagnostics: Diagnostic[] = [];
  try {
    doc = parseDocument(text, { lineCounter, keepSourceTokens: true, uniqueKeys: false, prettyErrors: false });
  } catch {
    // the parser recursing past the stack on absurd nesting: report it instead of crashing
    doc = parseDocument('', { keepSourceTokens: true });
    // later stages skip a document with errors; this one stands for the unreadable file
    doc.errors.push(new YAMLParseError([0, 0], 'IMPOSSIBLE', tooDeep.message));
    const loaded = makeLoaded(file, text, doc, lineCounterFor(text));
    diagnostics.push({ code: 'E001', severity: severityOf('E001'), message: tooDeep.message, file, span: loaded.fileSpan(0, 0), help: tooDeep.help });
    return { loaded, diagnostics };
  }
  const loaded = makeLoaded(file, text, doc, lineCounter);
  const seen = new Set<string>();
  for (const error of doc.errors) {
    const [s, e] = error.pos;
    const key = `${error.code}:${s}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // the composer catches its own stack overflow on absurd nesting and reports it as an error
    const known = /call stack/i.test(error.message)
      ? tooDeep
      : /closing "quote/.test(error.message)
        ? { message: 'missing closing `"`', help: 'close the quote; a `"` inside the value is written `\\"`' }
        : /closing 'quote/.test(error.message)
          ? { message: "missing closing `'`", help: "close the quote; a `'` inside the value is written `''`" }
          : (yamlMessages[error.code] ?? {});
    const opening = /closing ["']quote/.test(error.message) ? openingQuote(doc, s) : undefined;
    const end = Math.min(Math.max(e, s), text.length);
    const flow = error.code === 'UNEXPECTED_TOKEN' ? flowStartBefore(text, s) : undefined;
    const d: Diagnostic = {
      code: 'E001',
      severity: severityOf('E001'),
      message: flow !== undefined ? `this value starts a YAML ${text[flow] === '[' ? 'list' : 'mapping'} but goes on after it` : (known.message ?? tidyMessage(error.message)),
      file,
      // an unclosed quote is shown where it opens; the end of the line is only a label
      span:
        opening !== undefined
          ? loaded.fileSpan(opening, opening + 1)
          : flow !== undefined
            ? loaded.fileSpan(flow, flow + 1)
            : loaded.fileSpan(Math.min(s, text.length), end),
      ...(opening !== undefined ? { labels: [{ span: loaded.fileSpan(Math.min(s, text.length), end), message: 'the value ends here without a closing quote' }] } : {}),
      ...(flow !== undefined
        ? { help: 'quote the whole expression, e.g. `when: \'department eq "Sales"\'`; attribute names are written without brackets' }
        : known.help
          ? { help: known.help }
          : {}),
    };
    diagnostics.push(d);
  }
  for (const warning of doc.warnings) {
    if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
    const [s, e] = warning.pos;
    const tag = text.slice(s, e).split(/\s/)[0] ?? '';
    diagnostics.push({
      code: 'E001',
      severity: severityOf('E001'),
      message: `\`${tag}\` is read as a YAML tag`,
      file,
      span: loaded.fileSpan(s, Math.min(s + tag.length, text.length)),
      help: 'quote the value if it is an expression, and write `not` for negation: `when: \'not (...)\'`',
    });
    doc.errors.push(new YAMLParseError([s, e], 'TAG_RESOLVE_FAILED', warning.message));
  }
  if (doc.errors.length === 0) {
    try {
      diagnostics.push(...duplicateKeys(loaded));
    } catch {
      diagnostics.push({ code: 'E001', severity: severityOf('E001'), message: tooDeep.message, file, span: loaded.fileSpan(0, 0), help: tooDeep.help });
    }
  }
  return { loaded, diagnostics };
}

/** The `[` or `{` that opens the value on the line of `pos`, when a flow collection is followed by more text. */
function flowStartBefore(text: string, pos: number): number | undefined {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const line = text.slice(lineStart, pos);
  const m = /^(\s*(?:-\s+)?[^\s#:][^:#]*:\s+|\s*-\s+)([[{])/.exec(line);
  return m ? lineStart + m[1]!.length : undefined;
}

/** The start of the quoted scalar that runs up to `pos`, for an unclosed quote. */
function openingQuote(doc: Document.Parsed, pos: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && node.range && node.range[0] < pos && node.range[1] >= pos) found = node.range[0];
    },
  });
  return found;
}

function lineCounterFor(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lc.addNewLine(i + 1);
  return lc;
}

function duplicateKeys(loaded: LoadedFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (map: YAMLMap): void => {
    const first = new Map<string, Node>();
    for (const pair of map.items) {
      const k = keyText(pair.key);
      if (k === undefined || !isScalar(pair.key)) continue;
      const prev = first.get(k);
      const range = (pair.key as Node).range;
      if (prev && range) {
        out.push({
          code: 'E005',
          severity: severityOf('E005'),
          message: `duplicate key \`${k}\``,
          file: loaded.file,
          span: loaded.fileSpan(range[0], range[1]),
          labels: prev.range ? [{ span: loaded.fileSpan(prev.range[0], prev.range[1]), message: 'first defined here' }] : [],
          help: 'remove one of them; the later one would silently win',
        });
      } else if (!prev) first.set(k, pair.key as Node);
    }
  };
  visit(loaded.doc, {
    Map(_key, node) {
      check(node);
    },
  });
  return out;
}

function makeLoaded(file: string, text: string, doc: Document.Parsed, lineCounter: LineCounter): LoadedFile {
  const fileSpan = (start: number, end: number): FileSpan => {
    const s = Math.max(0, Math.min(start, text.length));
    const e = Math.max(s, Math.min(end, text.length));
    const a = lineCounter.linePos(s);
    const b = lineCounter.linePos(e);
    return { start: s, end: e, line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  };

  const resolve = (node: unknown): unknown => {
    // an alias stands for its anchor's node; resolving loops (`&a [*a]`) stop after a few steps
    let n = node;
    for (let i = 0; i < 8 && isAlias(n); i++) n = n.resolve(doc);
    return n;
  };

  /** The pair (for a map step) or node at each step; the last pair wins, as in toJS. */
  const walk = (path: YamlPath): { node: unknown; keyNode?: unknown } | undefined => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const step of path) {
      node = resolve(node);
      if (isMap(node)) {
        let found: { key: unknown; value: unknown } | undefined;
        for (const pair of node.items) {
          if (isPair(pair) && keyText(pair.key) === String(step)) found = pair;
        }
        if (!found) return undefined;
        keyNode = found.key;
        node = found.value;
      } else if (isSeq(node) && typeof step === 'number') {
        if (step < 0 || step >= node.items.length) return undefined;
        keyNode = undefined;
        node = node.items[step];
      } else return undefined;
    }
    return { node, keyNode };
  };

  const scalarSource = (node: unknown, path: YamlPath): ExpressionSource | undefined => {
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
    return makeExpressionSource(node.value, path, fileSpan(node.range[0], node.range[1]), mapScalar(node, text), fileSpan);
  };
  const loaded: LoadedFile = {
    file,
    text,
    doc,
    lineCounter,
    fileSpan,
    spanAt(path, which = 'value') {
      const hit = walk(path);
      if (!hit) return undefined;
      const target = which === 'key' ? hit.keyNode : hit.node;
      const range = (target as Node | undefined | null)?.range;
      if (!range) {
        // `key:` with nothing after it: the value is null and has an empty range after the colon
        return undefined;
      }
      return fileSpan(range[0], range[1]);
    },
    nodeAt(path) {
      const hit = walk(path);
      if (!hit) return undefined;
      return (resolve(hit.node) as Node | undefined) ?? undefined;
    },
    expressionAt(path) {
      const hit = walk(path);
      if (!hit) return undefined;
      // an alias's expression lives at its anchor, so that is where its spans point
      return scalarSource(resolve(hit.node), path);
    },
    keyExpressionAt(path) {
      const hit = walk(path);
      return hit ? scalarSource(hit.keyNode, path) : undefined;
    },
  };
  return loaded;
}
