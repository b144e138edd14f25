// Parse stage of the expression language: source text -> AST (with Error nodes) + diagnostics
// E101 (syntax), E102 (foreign syntax) and E103 (limits). Never throws.

import { EOF, tokenMatcher, type IToken } from 'chevrotain';
import type { Expr, PathExpr, Span } from './ast.ts';
import type { DslDiagnostic } from './diagnostic.ts';
import { AstBuilder } from './build-ast.ts';
import { isRealToken, shown, tokenSpan } from './cst.ts';
import { parser } from './grammar.ts';
import { MAX_NESTING_DEPTH, MAX_SOURCE_LENGTH } from './limits.ts';
import { visit, walk, type ExprVisitor } from './walk.ts';
import { findForeignTokens } from './foreign-tokens.ts';
import { withoutSourceText } from './source-free.ts';
import { And, Bang, Comma, CompareOp, In, Pr, LBracket, LParen, lexer, Not, Or, RBracket, RParen } from './tokens.ts';

/**
 * - `expression`: the whole language (SPEC §3).
 * - `filter`: RFC 7644 §3.4.2.2 filter syntax only, plus unquoted right-hand values, which
 *   become string literals with `bare: true` (JSON numbers, `true`, `false`, `null` stay typed).
 *   Lenient where clients are: `not x pr` without parentheses is accepted.
 * - `path`: one PATCH path: `attrPath`, or `valuePath` optionally followed by `.subAttr`.
 */
export type ParseMode = 'expression' | 'filter' | 'path';

/**
 * `quoteSource: false` (the SCIM server parsing a client's filter or PATCH path): messages name
 * tokens by kind (`but found a string`) and quote no text of the source, and diagnostics carry
 * no help; what was expected and the span stay. Default `true` (the linter: the consultant's own
 * tenant file, quoted as written).
 */
export interface ParseOptions {
  readonly quoteSource?: boolean;
}

/**
 * `ast` is always a tree (an `Error` node where a part failed); `diagnostics` is empty exactly
 * when the source is valid in the mode, and sorted by position. Spans are offsets into `source`.
 */
export interface ParseResult {
  readonly ast: Expr;
  readonly diagnostics: readonly DslDiagnostic[];
}

/**
 * Parses one expression. Never throws, whatever the input. `expect` says where an expression
 * is used (a mapping's value or a condition), for hints that depend on it (`||` in a value).
 */
export function parseExpression(source: string, mode: ParseMode = 'expression', expect?: 'value' | 'condition', options: ParseOptions = {}): ParseResult {
  const result = parseQuoting(source, mode, expect, options.quoteSource ?? true);
  if (options.quoteSource ?? true) return result;
  const text = typeof source === 'string' ? source : '';
  return { ast: result.ast, diagnostics: result.diagnostics.map((d) => withoutSourceText(d, text)) };
}

function parseQuoting(source: string, mode: ParseMode, expect: 'value' | 'condition' | undefined, quoteSource: boolean): ParseResult {
  if (typeof source !== 'string') {
    return { ast: { kind: 'Error', span: { start: 0, end: 0 } }, diagnostics: [{ code: 'E101', message: 'expected the expression to be text', span: { start: 0, end: 0 } }] };
  }
  try {
    return parseUnchecked(source, mode, expect, quoteSource);
  } catch {
    // A bug in the parser must not take the caller (a server request, the linter) down with it.
    const whole = { start: 0, end: source.length };
    return { ast: { kind: 'Error', span: whole }, diagnostics: [{ code: 'E101', message: 'could not parse the expression', span: whole }] };
  }
}

function parseUnchecked(source: string, mode: ParseMode, expect: 'value' | 'condition' | undefined, quoteSource: boolean): ParseResult {
  const whole: Span = { start: 0, end: source.length };
  const failed = (diagnostics: DslDiagnostic[]): ParseResult => ({ ast: { kind: 'Error', span: whole }, diagnostics: sortDiagnostics(diagnostics) });

  if (source.length > MAX_SOURCE_LENGTH) {
    return failed([
      {
        code: 'E103',
        message: `expression is ${source.length} characters long, more than the limit of ${MAX_SOURCE_LENGTH}`,
        span: { start: MAX_SOURCE_LENGTH, end: source.length },
        help: 'split it into several rules or profile fields',
      },
    ]);
  }

  const lexed = lexer.tokenize(source, mode === 'expression' ? 'expr' : 'filter');
  const diagnostics: DslDiagnostic[] = lexed.errors.map((e) => lexerDiagnostic(source, e.offset, e.length));

  const tooDeep = checkDepth(lexed.tokens);
  if (tooDeep) return failed([...diagnostics, tooDeep]);

  if (lexed.tokens.length === 0) {
    if (diagnostics.length === 0) {
      diagnostics.push({ code: 'E101', message: 'expected an expression but found the end of the expression', span: whole });
    }
    return failed(diagnostics);
  }

  parser.quoteSource = quoteSource;
  parser.input = lexed.tokens;
  const cst = parser.expression();
  const builder = new AstBuilder(source, expect);
  const ast = builder.build(cst);
  diagnostics.push(...builder.diagnostics);
  const foreign = mode === 'expression' ? findForeignTokens(source, lexed.tokens) : [];
  diagnostics.push(...foreign.map((f) => f.diagnostic));

  // Recovery cascades: the first syntax error is the one worth reading, and one caused by an
  // unlexable character or a foreign token already reported says nothing new.
  // A foreign habit explains the errors within its stretch; the first one after it is new.
  const errorSpan = (token: IToken): Span => (isRealToken(token) && token.tokenType !== EOF ? tokenSpan(token) : { start: source.length, end: source.length });
  const explained = (sp: Span) => foreign.some((f) => f.covers.start <= sp.start && sp.start <= f.covers.end);
  const first = parser.errors.find((e) => !explained(errorSpan(e.token)));
  if (first !== undefined && lexed.errors.length === 0) {
    const sp = errorSpan(first.token);
    if (!diagnostics.some((d) => d.code === 'E102' && d.span.start === sp.start)) {
      diagnostics.push({ code: 'E101', message: first.message, span: sp, ...syntaxHelp(first.token) });
    }
  }

  if (mode === 'filter') checkFilter(ast, diagnostics);
  else if (mode === 'path') checkPatchPath(ast, diagnostics);
  else checkValueFilters(ast, diagnostics);

  return { ast, diagnostics: sortDiagnostics(diagnostics) };
}

function syntaxHelp(token: IToken): { help?: string } {
  if (tokenMatcher(token, CompareOp) || tokenMatcher(token, Pr) || tokenMatcher(token, In)) {
    return { help: 'join comparisons with `and` or `or`; a comparison cannot be chained' };
  }
  return {};
}

function lexerDiagnostic(source: string, offset: number, length: number): DslDiagnostic {
  const text = source.slice(offset, offset + Math.max(1, length));
  const span = { start: offset, end: offset + Math.max(1, length) };
  const shown = text.length > 30 ? `${text.slice(0, 30)}…` : text;
  if (text === '&') return { code: 'E102', message: '`&` is not an operator', span, help: 'use `and`' };
  if (text === '|') return { code: 'E102', message: '`|` is not an operator', span, help: 'use `or`' };
  return { code: 'E101', message: `unexpected ${[...text].length === 1 ? 'character' : 'characters'} \`${shown}\``, span };
}

/**
 * Nesting depth on the token stream: brackets plus prefix `not`s (closed by `and`, `or`, `,`
 * or the bracket around them). Runs before the recursive parser so that it cannot overflow.
 */
function checkDepth(tokens: readonly IToken[]): DslDiagnostic | undefined {
  let depth = 0;
  const nots: number[] = [0];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (tokenMatcher(t, LParen) || tokenMatcher(t, LBracket)) {
      depth++;
      nots.push(0);
    } else if (tokenMatcher(t, RParen) || tokenMatcher(t, RBracket)) {
      if (nots.length > 1) depth -= 1 + nots.pop()!;
    } else if ((tokenMatcher(t, Not) || tokenMatcher(t, Bang)) && !(tokens[i + 1] !== undefined && tokenMatcher(tokens[i + 1]!, In))) {
      nots[nots.length - 1]!++;
      depth++;
    } else if (tokenMatcher(t, And) || tokenMatcher(t, Or) || tokenMatcher(t, Comma)) {
      depth -= nots[nots.length - 1]!;
      nots[nots.length - 1] = 0;
    }
    if (depth > MAX_NESTING_DEPTH) {
      return {
        code: 'E103',
        message: `expression nests deeper than the limit of ${MAX_NESTING_DEPTH} levels`,
        span: tokenSpan(t),
        help: 'remove redundant parentheses and double `not`s, or split the expression',
      };
    }
  }
  return undefined;
}

const wordOps = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const foreignOpTexts = new Set(['===', '!==', '=']);

const expectedCondition = (expr: Expr, diagnostics: DslDiagnostic[]): void => {
  diagnostics.push({ code: 'E101', message: 'expected a filter condition such as `title pr` or `userName eq "bjensen"`', span: expr.span });
};

/** What a node that is not filter syntax is reported as. */
const notFilterSyntax: ExprVisitor<void, DslDiagnostic[]> = {
  Call: (expr, diagnostics) => {
    diagnostics.push({ code: 'E101', message: `function call \`${shown(expr.name)}(…)\` is not SCIM filter syntax`, span: expr.span });
  },
  List: (expr, diagnostics) => {
    diagnostics.push({ code: 'E101', message: 'a list is not SCIM filter syntax', span: expr.span });
  },
  In: (expr, diagnostics) => {
    diagnostics.push({
      code: 'E101',
      message: `\`${expr.negated ? 'not in' : 'in'}\` is not SCIM filter syntax`,
      span: expr.span,
      help: 'write `eq` comparisons joined with `or`',
    });
  },
  Coalesce: (expr, diagnostics) => {
    diagnostics.push({ code: 'E101', message: '`??` is not SCIM filter syntax', span: expr.span });
  },
  Error: () => undefined,
  Path: expectedCondition,
  Literal: expectedCondition,
  Compare: expectedCondition,
  Present: expectedCondition,
  Logical: expectedCondition,
  Not: expectedCondition,
  Group: expectedCondition,
};

const notFilter = (expr: Expr, diagnostics: DslDiagnostic[]): void => visit(expr, notFilterSyntax, diagnostics);

/** RFC 7644 filter grammar, for a whole filter-mode source and for every value filter `[...]`. */
const filterRules: ExprVisitor<void, DslDiagnostic[]> = {
  Logical: (expr, diagnostics) => {
    checkFilter(expr.left, diagnostics);
    checkFilter(expr.right, diagnostics);
  },
  Not: (expr, diagnostics) => checkFilter(expr.operand, diagnostics),
  Group: (expr, diagnostics) => checkFilter(expr.inner, diagnostics),
  Compare: (expr, diagnostics) => {
    const text = expr.opText.toLowerCase();
    if (!wordOps.has(text) && !foreignOpTexts.has(text)) {
      diagnostics.push({ code: 'E101', message: `\`${expr.opText}\` is not SCIM filter syntax`, span: expr.opSpan, help: `use \`${expr.op}\`` });
    }
    checkFilterOperand(expr.left, diagnostics);
    const right = expr.right;
    if (right.kind === 'Path' && right.urn === undefined && right.steps.every((s) => s.filter === undefined)) {
      const written = shown(right.steps.map((s) => s.name).join('.'));
      diagnostics.push({
        code: 'E101',
        message: `expected a value after \`${expr.opText}\` but found the attribute path \`${written}\``,
        span: right.span,
        help: `a filter compares with a value; quote it: \`"${written}"\``,
      });
    } else if (right.kind !== 'Literal' && right.kind !== 'Error') {
      if (right.kind === 'Path' || right.kind === 'Group' || right.kind === 'Logical' || right.kind === 'Not' || right.kind === 'Compare' || right.kind === 'Present') {
        diagnostics.push({ code: 'E101', message: `expected a value after \`${expr.opText}\``, span: right.span });
      } else {
        notFilter(right, diagnostics);
      }
    }
  },
  Present: (expr, diagnostics) => checkFilterOperand(expr.operand, diagnostics),
  Path: (expr, diagnostics) => {
    if (expr.steps.some((s) => s.filter !== undefined)) {
      checkPathFilters(expr, diagnostics);
      return;
    }
    diagnostics.push({
      code: 'E101',
      message: `expected a filter condition but found the attribute path \`${shown(expr.steps.map((s) => s.name).join('.'))}\``,
      span: expr.span,
      help: 'compare it with a value or test presence, e.g. `title pr`',
    });
  },
  Literal: notFilter,
  List: notFilter,
  In: notFilter,
  Coalesce: notFilter,
  Call: notFilter,
  Error: notFilter,
};

function checkFilter(expr: Expr, diagnostics: DslDiagnostic[]): void {
  visit(expr, filterRules, diagnostics);
}

function checkFilterOperand(expr: Expr, diagnostics: DslDiagnostic[]): void {
  if (expr.kind === 'Path') checkPathFilters(expr, diagnostics);
  else if (expr.kind === 'Error') return;
  else if (expr.kind === 'Literal') {
    diagnostics.push({ code: 'E101', message: 'expected an attribute path on the left of a filter comparison', span: expr.span });
  } else notFilter(expr, diagnostics);
}

function checkPathFilters(path: PathExpr, diagnostics: DslDiagnostic[]): void {
  for (const step of path.steps) if (step.filter) checkFilter(step.filter, diagnostics);
}

/** Expression mode: the language is free, but value filters `[...]` keep to filter syntax. */
function checkValueFilters(expr: Expr, diagnostics: DslDiagnostic[]): void {
  walk(expr, (node) => {
    if (node.kind !== 'Path') return;
    checkPathFilters(node, diagnostics);
    return false;
  });
}

function checkPatchPath(expr: Expr, diagnostics: DslDiagnostic[]): void {
  if (expr.kind === 'Error') return;
  if (expr.kind !== 'Path') {
    diagnostics.push({
      code: 'E101',
      message: 'expected an attribute path',
      span: expr.span,
      help: 'a PATCH path is an attribute path, e.g. `name.givenName` or `emails[type eq "work"].value`',
    });
    return;
  }
  const filtered = expr.steps.filter((s) => s.filter !== undefined);
  if (filtered.length > 1) {
    diagnostics.push({ code: 'E101', message: 'a PATCH path can have only one value filter', span: filtered[1]!.span });
  }
  checkPathFilters(expr, diagnostics);
}

function sortDiagnostics(diagnostics: DslDiagnostic[]): DslDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics
    .filter((d) => {
      const key = `${d.code}:${d.span.start}:${d.span.end}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
}
