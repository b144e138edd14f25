// The expression language's syntax tree: plain readonly data produced by parse.ts and
// consumed by print, check and compile. Knows nothing of YAML, HTTP or SQL.

/** Offsets into the expression source, `end` exclusive. Chevrotain's inclusive
 *  `endOffset` is converted in exactly one place (cst.ts `tokenSpan`). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Comparison operators after alias normalisation: `==` is `eq`, `<` is `lt`, ... */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/**
 * One dotted step of an attribute path: `emails[type eq "work"]` is one step with a filter,
 * `.value` after it is the next step. A filter applies to the elements of this step's value
 * and is evaluated with each element as the root.
 */
export interface PathStep {
  readonly name: string;
  readonly span: Span;
  readonly filter?: Expr;
}

/**
 * An attribute path. `urn` is set for a full URN path (`urn:...:enterprise:2.0:User:department`):
 * the schema URN without the trailing attribute, whose name is in `steps[0]`.
 * Names are kept as written; resolution (case-insensitive, aliases like `enterprise.`) is the
 * checker's job.
 */
export interface PathExpr {
  readonly kind: 'Path';
  readonly urn?: string;
  readonly steps: readonly PathStep[];
  readonly span: Span;
}

export type LiteralValue = string | number | boolean | null;

export interface LiteralExpr {
  readonly kind: 'Literal';
  readonly value: LiteralValue;
  /** True for a filter-mode unquoted value such as `O` in `userName sw O`. */
  readonly bare?: boolean;
  readonly span: Span;
}

export interface ListExpr {
  readonly kind: 'List';
  readonly items: readonly Expr[];
  readonly span: Span;
}

export interface CompareExpr {
  readonly kind: 'Compare';
  readonly op: CompareOp;
  readonly left: Expr;
  readonly right: Expr;
  /** The operator token as written (`eq`, `EQ`, `==`), for messages and printing. */
  readonly opText: string;
  readonly opSpan: Span;
  readonly span: Span;
}

/** `x pr`: present and non-empty. */
export interface PresentExpr {
  readonly kind: 'Present';
  readonly operand: Expr;
  readonly span: Span;
}

export interface LogicalExpr {
  readonly kind: 'Logical';
  readonly op: 'and' | 'or';
  readonly left: Expr;
  readonly right: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

export interface NotExpr {
  readonly kind: 'Not';
  readonly operand: Expr;
  readonly span: Span;
}

/** `x in [..]` and `x not in [..]`. */
export interface InExpr {
  readonly kind: 'In';
  readonly negated: boolean;
  readonly operand: Expr;
  readonly list: Expr;
  readonly span: Span;
}

/** `a ?? b`: the first non-null (and non-empty) of the two. */
export interface CoalesceExpr {
  readonly kind: 'Coalesce';
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: 'Call';
  /** As written; function names are case-insensitive. */
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: readonly Expr[];
  readonly span: Span;
}

/** Parenthesised expression, kept so that printing and spans stay faithful. */
export interface GroupExpr {
  readonly kind: 'Group';
  readonly inner: Expr;
  readonly span: Span;
}

/** Stands in for a part that failed to parse, so one bad expression does not hide the next. */
export interface ErrorExpr {
  readonly kind: 'Error';
  readonly span: Span;
}

export type Expr =
  | PathExpr
  | LiteralExpr
  | ListExpr
  | CompareExpr
  | PresentExpr
  | LogicalExpr
  | NotExpr
  | InExpr
  | CoalesceExpr
  | CallExpr
  | GroupExpr
  | ErrorExpr;

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
