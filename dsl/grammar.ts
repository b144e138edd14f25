// Parser stage of the expression language: the Chevrotain grammar (a CST parser with error
// recovery) and its one reused instance. build-ast.ts turns the CST into the AST.

import { CstParser, EOF, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import {
  allTokens,
  And,
  Bang,
  Coalesce,
  Comma,
  CompareOp,
  Dollar,
  Dot,
  False,
  Identifier,
  In,
  BareValue,
  LBracket,
  LParen,
  Not,
  Null,
  NumberLit,
  Or,
  Pr,
  RBracket,
  RParen,
  StringLit,
  True,
  UnquotedDate,
  Urn,
} from './tokens.ts';

const MAX_SHOWN = 30;

/** How a token reads in a message: `` `)` `` or "the end of the expression". */
export function describeToken(token: IToken | undefined): string {
  if (token === undefined || token.tokenType === EOF) return 'the end of the expression';
  const image = token.image.length > MAX_SHOWN ? `${token.image.slice(0, MAX_SHOWN)}…` : token.image;
  return `\`${image}\``;
}

/**
 * How a token reads without its text: its kind (`a string`, `a value`, `an attribute name`), or
 * for punctuation, operators and keywords their own label (`` `)` ``, `` `eq` ``), which is
 * syntax, not data. For callers that must not echo their input.
 */
export function describeTokenKind(token: IToken | undefined): string {
  if (token === undefined || token.tokenType === EOF) return 'the end of the expression';
  return token.tokenType.LABEL ?? 'a token';
}

function label(type: TokenType): string {
  return type.LABEL ?? `\`${type.name}\``;
}

const expectedByRule: Readonly<Record<string, string>> = {
  expression: 'an expression',
  orExpr: 'an expression',
  andExpr: 'an expression',
  notExpr: 'an expression',
  comparison: 'a value',
  coalesce: 'a value',
  primary: 'a value',
  pathStep: 'an attribute name',
};

/** How messages name the token found: quoted (the default) or by kind only (`ParseOptions.quoteSource`). */
interface MessageStyle {
  quoteSource: boolean;
}

function messagesFor(style: MessageStyle): IParserErrorMessageProvider {
  const found = (token: IToken | undefined) => (style.quoteSource ? describeToken(token) : describeTokenKind(token));
  return {
    buildMismatchTokenMessage({ expected, actual }) {
      return `expected ${label(expected)} but found ${found(actual)}`;
    },
    buildNotAllInputParsedMessage({ firstRedundant }) {
      if (tokenMatcher(firstRedundant, RParen)) return 'unmatched `)`';
      if (tokenMatcher(firstRedundant, RBracket)) return 'unmatched `]`';
      if (tokenMatcher(firstRedundant, CompareOp) || tokenMatcher(firstRedundant, Pr) || tokenMatcher(firstRedundant, In)) {
        return `unexpected ${found(firstRedundant)} after a comparison`;
      }
      return `expected an operator or the end of the expression but found ${found(firstRedundant)}`;
    },
    buildNoViableAltMessage({ actual, ruleName }) {
      return `expected ${expectedByRule[ruleName] ?? 'an expression'} but found ${found(actual[0])}`;
    },
    buildEarlyExitMessage({ actual, ruleName }) {
      return `expected ${expectedByRule[ruleName] ?? 'an expression'} but found ${found(actual[0])}`;
    },
  };
}

/**
 * The grammar, lowest precedence first: or, and, not (prefix), comparison (one operator, `pr`,
 * `in`, `not in`), `??`, primary. Symbolic and foreign spellings share token categories with
 * the real operators so that they parse; build-ast reports the foreign ones.
 */
/**
 * The grammar. `validate` runs chevrotain's grammar checks (ambiguities, left recursion; slow
 * at start-up); the shared instance skips them, and a test builds one with them on.
 */
export class ExpressionParser extends CstParser {
  readonly #style: MessageStyle;

  constructor(validate = false) {
    const style: MessageStyle = { quoteSource: true };
    super(allTokens as TokenType[], { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: messagesFor(style), skipValidations: !validate });
    this.#style = style;
    this.performSelfAnalysis();
  }

  /** Whether the next parse's messages quote the token found, or name its kind; set with `input`. */
  set quoteSource(quote: boolean) {
    this.#style.quoteSource = quote;
  }

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
  });

  public orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(And);
      this.SUBRULE2(this.notExpr);
    });
  });

  public notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(Not) }, { ALT: () => this.CONSUME(Bang) }]);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  public comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.coalesce);
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(CompareOp);
            this.SUBRULE2(this.coalesce);
          },
        },
        { ALT: () => this.CONSUME(Pr) },
        {
          ALT: () => {
            this.CONSUME(In);
            this.SUBRULE3(this.coalesce);
          },
        },
        {
          ALT: () => {
            this.CONSUME(Not);
            this.CONSUME2(In);
            this.SUBRULE4(this.coalesce);
          },
        },
      ]);
    });
  });

  public coalesce = this.RULE('coalesce', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(Coalesce);
      this.SUBRULE2(this.primary);
    });
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(BareValue) },
      { ALT: () => this.CONSUME(UnquotedDate) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.CONSUME(Null) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.group) },
      { ALT: () => this.SUBRULE(this.call) },
      { ALT: () => this.SUBRULE(this.path) },
      { ALT: () => this.SUBRULE(this.jsonPath) },
    ]);
  });

  public list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.orExpr);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.orExpr);
      });
    });
    this.CONSUME(RBracket);
  });

  public group = this.RULE('group', () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.orExpr);
    this.CONSUME(RParen);
  });

  public call = this.RULE('call', () => {
    this.CONSUME(Identifier);
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.orExpr);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.orExpr);
      });
    });
    this.CONSUME(RParen);
  });

  public path = this.RULE('path', () => {
    this.SUBRULE(this.pathStep);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.SUBRULE2(this.pathStep);
    });
  });

  public pathStep = this.RULE('pathStep', () => {
    this.OR([{ ALT: () => this.CONSUME(Urn) }, { ALT: () => this.CONSUME(Identifier) }]);
    this.OPTION(() => {
      this.CONSUME(LBracket);
      this.SUBRULE(this.orExpr);
      this.CONSUME(RBracket);
    });
  });

  /** `$.department`: JSONPath habit, parsed as the path after it and reported as E102. */
  public jsonPath = this.RULE('jsonPath', () => {
    this.CONSUME(Dollar);
    this.OPTION(() => this.CONSUME(Dot));
    this.SUBRULE(this.path);
  });
}

/** The one parser instance; set `input` and call `expression()`. */
export const parser = new ExpressionParser();
