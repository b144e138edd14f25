// Parse stage, foreign habits on the token stream: SQL's `in ('A', 'B')` and Okta's dotted
// functions -> one E102 each, with the stretch of syntax errors it explains.

import { tokenMatcher, type IToken } from 'chevrotain';
import type { Span } from './ast.ts';
import { shown, tokenSpan } from './cst.ts';
import type { DslDiagnostic } from './diagnostic.ts';
import { lookupForeignFunction, scimplanForm } from './foreign-functions.ts';
import { Comma, Dot, Identifier, In, LBracket, LParen, Not, NumberLit, RBracket, RParen, StringLit, Urn } from './tokens.ts';

/** A foreign habit found on the token stream, and the stretch whose syntax errors it explains. */
export interface ForeignToken {
  readonly diagnostic: DslDiagnostic;
  readonly covers: Span;
}

/**
 * Habits the grammar cannot parse into what was meant: SQL's `in ('A', 'B')` and Okta's dotted
 * functions (`String.toLowerCase(x)`). Each is one E102 and explains the parser's error after it.
 */
export function findForeignTokens(source: string, tokens: readonly IToken[]): ForeignToken[] {
  const out: ForeignToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    const close = next !== undefined && tokenMatcher(t, In) && tokenMatcher(next, LParen) ? matchingParen(tokens, i + 1) : undefined;
    if (next !== undefined && tokenMatcher(t, In) && tokenMatcher(next, LParen) && looksLikeList(tokens, i + 2, close ?? tokens.length)) {
      const open = tokenSpan(next);
      const end = close === undefined ? source.length : tokenSpan(tokens[close]!).end;
      const list = `[${source.slice(open.end, close === undefined ? source.length : tokenSpan(tokens[close]!).start)}]`;
      const op = i > 0 && tokenMatcher(tokens[i - 1]!, Not) ? i - 1 : i;
      const written = `${source.slice(tokenSpan(tokens[pathStart(tokens, op)]!).start, open.start)}${list}`;
      out.push({
        diagnostic: { code: 'E102', message: 'a list is written in square brackets `[...]`, not in parentheses', span: open, help: `write \`${shown(written.trim())}\`` },
        covers: { start: open.start, end },
      });
    }
    const dot = tokens[i + 1];
    const member = tokens[i + 2];
    const paren = tokens[i + 3];
    if (
      tokenMatcher(t, Identifier) && dot !== undefined && tokenMatcher(dot, Dot) && member !== undefined && tokenMatcher(member, Identifier) &&
      paren !== undefined && tokenMatcher(paren, LParen) && !(i > 0 && tokenMatcher(tokens[i - 1]!, Dot))
    ) {
      const f = lookupForeignFunction(`${t.image}.${member.image}`);
      if (f !== undefined) {
        const sp = { start: tokenSpan(t).start, end: tokenSpan(member).end };
        const message = `\`${f.name}\` is ${f.language}'s expression language, not a scimplan function`;
        out.push({ diagnostic: { code: 'E102', message, span: sp, help: scimplanForm(f) }, covers: { start: sp.start, end: tokenSpan(paren).end } });
      }
    }
  }
  return out;
}

/** Index of the `)` that closes the `(` at `open`, if any. */
function matchingParen(tokens: readonly IToken[], open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokenMatcher(tokens[i]!, LParen)) depth++;
    else if (tokenMatcher(tokens[i]!, RParen) && --depth === 0) return i;
  }
  return undefined;
}

/** Index of the first token of the attribute path written right before token `at`, or `at`. */
function pathStart(tokens: readonly IToken[], at: number): number {
  let start = at;
  while (start > 0 && (tokenMatcher(tokens[start - 1]!, Identifier) || tokenMatcher(tokens[start - 1]!, Dot) || tokenMatcher(tokens[start - 1]!, Urn))) start--;
  return start;
}

/** `('A', 'B')` or `('A')`: items at depth 1, or one literal; not `(emails.value)`. */
function looksLikeList(tokens: readonly IToken[], from: number, to: number): boolean {
  if (to - from === 1 && (tokenMatcher(tokens[from]!, StringLit) || tokenMatcher(tokens[from]!, NumberLit))) return true;
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (tokenMatcher(t, LParen) || tokenMatcher(t, LBracket)) depth++;
    else if (tokenMatcher(t, RParen) || tokenMatcher(t, RBracket)) depth--;
    else if (depth === 0 && tokenMatcher(t, Comma)) return true;
  }
  return false;
}
