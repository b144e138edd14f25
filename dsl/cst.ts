// Chevrotain CST helpers of the AST-building stage: token spans (the one place where the
// inclusive `endOffset` becomes an exclusive end), real-token checks and child lookups.

import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { Span } from './ast.ts';

/**
 * The one place where Chevrotain's inclusive `endOffset` becomes an exclusive `Span.end`.
 * Tokens inserted by error recovery have no offsets; callers check `isRealToken` first.
 */
export function tokenSpan(token: IToken): Span {
  const start = token.startOffset;
  const end = token.endOffset !== undefined && Number.isFinite(token.endOffset) ? token.endOffset + 1 : start + token.image.length;
  return { start, end };
}

/** False for tokens that error recovery invented (they have no position in the source). */
export function isRealToken(token: IToken | undefined): token is IToken {
  return token !== undefined && token.isInsertedInRecovery !== true && Number.isFinite(token.startOffset);
}

/** A name for a message, shortened so that hostile input cannot make messages huge. */
export function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A span, never inverted. */
export function span(start: number, end: number): Span {
  return { start, end: Math.max(start, end) };
}

export function nodes(node: CstNode, key: string): CstNode[] {
  return (node.children[key] ?? []) as CstNode[];
}

export function tokens(node: CstNode, key: string): IToken[] {
  return ((node.children[key] ?? []) as IToken[]).filter((t) => isRealToken(t));
}

export function firstToken(node: CstNode, key: string): IToken | undefined {
  return tokens(node, key)[0];
}

export function isCstNode(element: CstElement | undefined): element is CstNode {
  return element !== undefined && 'children' in element;
}
