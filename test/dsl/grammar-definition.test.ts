// The shared lexer and parser skip chevrotain's definition checks at start-up; this builds both
// with the checks on, so a grammar or token mistake still fails here.

import { describe, expect, it } from 'vitest';
import { ExpressionParser } from '../../dsl/grammar.ts';
import { createLexer } from '../../dsl/tokens.ts';

describe('grammar definition', () => {
  it('the lexer definition passes chevrotain validations', () => {
    const lexer = createLexer(true);
    expect(lexer.lexerDefinitionErrors).toEqual([]);
    expect(lexer.tokenize('a eq "b"').tokens.length).toBe(3);
  });

  it('the parser passes chevrotain self-analysis validations', () => {
    // performSelfAnalysis throws "Parser Definition Errors detected" when a check fails.
    expect(() => new ExpressionParser(true)).not.toThrow();
  });
});
