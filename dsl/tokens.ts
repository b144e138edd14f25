// Lexer stage of the expression language: token types and the one multi-mode lexer instance.
// Modes: `expr` (the whole language), `filter` (RFC 7644 filters) and `value` (after a filter operator).

import { createToken, Lexer, type TokenType } from 'chevrotain';

// Categories the parser consumes; concrete tokens below belong to them.
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison operator' });
export const StringLit = createToken({ name: 'StringLit', pattern: Lexer.NA, label: 'a string' });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });

/** Names: RFC 7644 ATTRNAME (plus a leading `_`, so `__proto__` is an ordinary name) and `$ref`. */
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /\$ref(?![A-Za-z0-9_$-])|[A-Za-z_][A-Za-z0-9_-]*/,
  label: 'an attribute name',
});

/** A full schema URN with the attribute name after the last colon; build-ast splits it. */
export const Urn = createToken({
  name: 'Urn',
  pattern: /urn:[A-Za-z0-9_.:$-]*/i,
  label: 'a schema URN',
});

function keyword(name: string, word: string, extra: Partial<Parameters<typeof createToken>[0]> = {}): TokenType {
  return createToken({
    name,
    pattern: new RegExp(word, 'i'),
    label: `\`${word}\``,
    longer_alt: Identifier,
    ...extra,
  });
}

export const And = keyword('And', 'and');
export const Or = keyword('Or', 'or');
export const Not = keyword('Not', 'not');
export const In = keyword('In', 'in');
export const Pr = keyword('Pr', 'pr');
export const True = keyword('True', 'true');
export const False = keyword('False', 'false');
export const Null = keyword('Null', 'null');

// Foreign spellings of and/or/not: parsed like the real thing, reported as E102 by build-ast.
export const AmpAmp = createToken({ name: 'AmpAmp', pattern: /&&/, label: '`&&`', categories: [And] });
export const PipePipe = createToken({ name: 'PipePipe', pattern: /\|\|/, label: '`||`', categories: [Or] });
export const Bang = createToken({ name: 'Bang', pattern: /!/, label: '`!`' });

interface OpSpec {
  readonly name: string;
  readonly pattern: RegExp;
  readonly text: string;
  readonly word: boolean;
}

// Longest spellings first: the lexer takes the first pattern that matches.
const opSpecs: readonly OpSpec[] = [
  { name: 'TripleEq', pattern: /===/, text: '===', word: false },
  { name: 'BangEqEq', pattern: /!==/, text: '!==', word: false },
  { name: 'EqEq', pattern: /==/, text: '==', word: false },
  { name: 'BangEq', pattern: /!=/, text: '!=', word: false },
  { name: 'LtEq', pattern: /<=/, text: '<=', word: false },
  { name: 'GtEq', pattern: />=/, text: '>=', word: false },
  { name: 'Lt', pattern: /</, text: '<', word: false },
  { name: 'Gt', pattern: />/, text: '>', word: false },
  { name: 'SingleEq', pattern: /=/, text: '=', word: false },
  ...['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'].map((w) => ({
    name: `Op_${w}`,
    pattern: new RegExp(w, 'i'),
    text: w,
    word: true,
  })),
];

function opToken(spec: OpSpec, filterMode: boolean): TokenType {
  return createToken({
    name: filterMode ? `F_${spec.name}` : spec.name,
    pattern: spec.pattern,
    label: `\`${spec.text}\``,
    categories: [CompareOp],
    ...(spec.word ? { longer_alt: Identifier } : {}),
    ...(filterMode ? { push_mode: 'value' } : {}),
  });
}

export const exprOps: readonly TokenType[] = opSpecs.map((s) => opToken(s, false));
// In filter mode a comparison operator switches to the `value` mode, where unquoted values lex.
export const filterOps: readonly TokenType[] = opSpecs.map((s) => opToken(s, true));

const dq = String.raw`"(?:[^"\\]|\\[\s\S])*`;
const sq = String.raw`'(?:[^'\\]|\\[\s\S])*`;
// Tried after the terminated form, so it only matches a string that runs to the end of input.
const dqOpen = String.raw`"(?:[^"\\]|\\[\s\S]?)*`;
const sqOpen = String.raw`'(?:[^'\\]|\\[\s\S]?)*`;
export const DqString = createToken({ name: 'DqString', pattern: new RegExp(`${dq}"`), categories: [StringLit], label: 'a string' });
export const SqString = createToken({ name: 'SqString', pattern: new RegExp(`${sq}'`), categories: [StringLit], label: 'a string' });
// Unterminated strings still lex (to the end of input) so the parser can continue; build-ast reports them.
export const OpenDqString = createToken({ name: 'OpenDqString', pattern: new RegExp(dqOpen), categories: [StringLit], label: 'a string' });
export const OpenSqString = createToken({ name: 'OpenSqString', pattern: new RegExp(sqOpen), categories: [StringLit], label: 'a string' });

/**
 * An unquoted ISO date in expression mode (`2015-10-10T14:38:21Z`): lexed whole so that
 * build-ast can say "quote it" once instead of reporting its pieces.
 */
export const UnquotedDate = createToken({
  name: 'UnquotedDate',
  pattern: /\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?(?![A-Za-z0-9_])/,
  label: 'a value',
});

export const NumberLit = createToken({
  name: 'NumberLit',
  pattern: /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/,
  label: 'a number',
});

export const Coalesce = createToken({ name: 'Coalesce', pattern: /\?\?/, label: '`??`' });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: '`(`' });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: '`)`' });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: '`[`' });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: '`]`' });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: '`,`' });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: '`.`' });
/** JSONPath's root `$` (`$.department`): parsed so that build-ast can explain it (E102). */
export const Dollar = createToken({ name: 'Dollar', pattern: /\$/, label: '`$`' });

// Value mode: what may follow a filter-mode operator. Each token pops back to filter mode.
const pop = { pop_mode: true } as const;
export const V_DqString = createToken({ name: 'V_DqString', pattern: new RegExp(`${dq}"`), categories: [StringLit], label: 'a string', ...pop });
export const V_SqString = createToken({ name: 'V_SqString', pattern: new RegExp(`${sq}'`), categories: [StringLit], label: 'a string', ...pop });
export const V_OpenDqString = createToken({ name: 'V_OpenDqString', pattern: new RegExp(dqOpen), categories: [StringLit], label: 'a string', ...pop });
export const V_OpenSqString = createToken({ name: 'V_OpenSqString', pattern: new RegExp(sqOpen), categories: [StringLit], label: 'a string', ...pop });
/** An unquoted filter value (`O`, `2015-10-10T14:38:21Z`, `5`, `true`); build-ast classifies it. */
export const BareValue = createToken({ name: 'BareValue', pattern: /[^\s()[\]"'][^\s()[\]]*/, label: 'a value', ...pop });
const V_LParen = createToken({ name: 'V_LParen', pattern: /\(/, label: '`(`', categories: [LParen], ...pop });
const V_RParen = createToken({ name: 'V_RParen', pattern: /\)/, label: '`)`', categories: [RParen], ...pop });
const V_LBracket = createToken({ name: 'V_LBracket', pattern: /\[/, label: '`[`', categories: [LBracket], ...pop });
const V_RBracket = createToken({ name: 'V_RBracket', pattern: /\]/, label: '`]`', categories: [RBracket], ...pop });

const common: readonly TokenType[] = [
  DqString,
  SqString,
  OpenDqString,
  OpenSqString,
  Coalesce,
  AmpAmp,
  PipePipe,
];
const tail: readonly TokenType[] = [
  Bang,
  NumberLit,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Dot,
  And,
  Or,
  Not,
  In,
  Pr,
  True,
  False,
  Null,
  Urn,
  Identifier,
  Dollar,
];

/** Every token type the parser may see (categories included). */
export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  CompareOp,
  StringLit,
  ...common,
  ...exprOps,
  ...filterOps,
  UnquotedDate,
  ...tail,
  V_DqString,
  V_SqString,
  V_OpenDqString,
  V_OpenSqString,
  BareValue,
  V_LParen,
  V_RParen,
  V_LBracket,
  V_RBracket,
];

export type LexMode = 'expr' | 'filter';

/**
 * Builds the lexer. `validate` runs chevrotain's definition checks (slow at start-up); the
 * shared instance skips them, and a test builds one with them on to prove the definition clean.
 */
export function createLexer(validate: boolean): Lexer {
  return new Lexer(
    {
      modes: {
        expr: [WhiteSpace, ...common, ...exprOps, UnquotedDate, ...tail],
        filter: [WhiteSpace, ...common, ...filterOps, ...tail],
        value: [WhiteSpace, V_DqString, V_SqString, V_OpenDqString, V_OpenSqString, V_LParen, V_RParen, V_LBracket, V_RBracket, BareValue],
      },
      defaultMode: 'expr',
    },
    { positionTracking: 'onlyOffset', ensureOptimizations: false, skipValidations: !validate },
  );
}

/** The one lexer instance, reused for every expression. */
export const lexer = createLexer(false);

export const unterminatedStrings: ReadonlySet<TokenType> = new Set([OpenDqString, OpenSqString, V_OpenDqString, V_OpenSqString]);
