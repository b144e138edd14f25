// What a check of a tenant file may reuse from the previous checks of the same file (the
// playground and the language server check again at every keystroke, which changes one
// expression): parses by their text, analyses by their tree and scope, scopes by what builds
// them, compiled rules by their analysis. Reuse changes no result, only the time it takes.

import type { Expr } from '../dsl/ast.ts';
import type { Analysis, Expect } from '../dsl/check.ts';
import { analyzeExpression } from '../dsl/check.ts';
import { parseExpression, type ParseMode, type ParseResult } from '../dsl/parse.ts';
import type { Scope } from '../dsl/types.ts';
import { findNeverHolds, type NeverHolds } from './never-holds.ts';
import type { PlanRule } from './plan.ts';

/** A map that keeps what the last two checks used: what neither used is dropped at `turn()`. */
export class Recent<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  get(key: K, make: () => V): V {
    if (this.current.has(key)) return this.current.get(key)!;
    const value = this.previous.has(key) ? this.previous.get(key)! : make();
    this.current.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.current.set(key, value);
  }

  turn(): void {
    this.previous = this.current;
    this.current = new Map();
  }
}

/**
 * The memo of one file's checks, owned by its caller (one per editor document). Invariants:
 * every value is what the pure function it stands for returns for its key: `parseExpression`
 * for (mode, expect, text), `analyzeExpression` for (tree, scope, expect), the scope builders
 * for the data they read; keys are the inputs themselves (trees and scopes by identity, which
 * the memo keeps stable), so a hit can never be a different input.
 */
export interface CheckCache {
  readonly parses: Recent<string, ParseResult>;
  /** The latest analysis of each tree (its `scope` and `expect` say what it was analysed in). */
  readonly analyses: Recent<Expr, Analysis>;
  readonly scopes: Recent<string, Scope>;
  /** Per analysis, what compilePlan builds of it (engine/compile-checked.ts). */
  readonly rules: Recent<Analysis, PlanRule>;
  /** Per analysis of a group rule, the parts that can never hold (engine/never-holds.ts). */
  readonly neverHolds: Recent<Analysis, readonly NeverHolds[]>;
}

export function createCheckCache(): CheckCache {
  return { parses: new Recent(), analyses: new Recent(), scopes: new Recent(), rules: new Recent(), neverHolds: new Recent() };
}

/** Starts a check: what the check before the previous one used and nobody since is dropped. */
export function turnCheckCache(cache: CheckCache): void {
  cache.parses.turn();
  cache.analyses.turn();
  cache.scopes.turn();
  cache.rules.turn();
  cache.neverHolds.turn();
}

/** `parseExpression(text, mode, expect)`, reused for a text parsed before in the same mode. */
export function parseCached(cache: CheckCache | undefined, text: string, mode: ParseMode, expect: Expect): ParseResult {
  if (!cache) return parseExpression(text, mode, expect);
  return cache.parses.get(`${mode}\u0000${expect}\u0000${text}`, () => parseExpression(text, mode, expect));
}

/** A scope built by `build` from `data` (plain JSON), reused while the data stays the same. */
export function scopeCached(cache: CheckCache | undefined, kind: string, data: unknown, build: () => Scope): Scope {
  return cache ? cache.scopes.get(`${kind}\u0000${JSON.stringify(data)}`, build) : build();
}

/** `analyzeExpression(expr, scope, expect)`, reused when the same tree was analysed in the same scope. */
export function analyzeCached(cache: CheckCache | undefined, expr: Expr, scope: Scope, expect: Expect): Analysis {
  if (!cache) return analyzeExpression(expr, scope, expect);
  const seen = cache.analyses.get(expr, () => analyzeExpression(expr, scope, expect));
  if (seen.scope === scope && seen.expect === expect) return seen;
  const analysis = analyzeExpression(expr, scope, expect);
  cache.analyses.set(expr, analysis);
  return analysis;
}

/** `findNeverHolds(analysis)`, once per analysis. */
export function neverHoldsCached(cache: CheckCache | undefined, analysis: Analysis): readonly NeverHolds[] {
  return cache ? cache.neverHolds.get(analysis, () => findNeverHolds(analysis)) : findNeverHolds(analysis);
}
