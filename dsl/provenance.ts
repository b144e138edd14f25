// Part of the checker: the provenance of a value, i.e. which dates, photos, certificates or
// binary data its content can come from. Returns one node's provenance from its children's.

import type { Expr } from './ast.ts';
import { findAttribute } from './resolve.ts';
import { lookupFunction } from './functions.ts';
import type { Type } from './types.ts';
import { visit, type ExprVisitor } from './walk.ts';

/** What a value can be derived from that a profile field must never hold (SPEC §1 rule 2). */
export type Source = 'date' | 'photo' | 'certificate' | 'binary';

/** The sources in the order they are reported. */
export const sources: readonly Source[] = ['date', 'photo', 'certificate', 'binary'];

/**
 * Where a value's content can come from. For each source kind present, the node that brings it
 * in: the smallest expression that is itself such a value (an attribute path, `now()`,
 * `date(...)`, `addDays(...)` of a literal), the first one in written order. Invariants: a node
 * whose type is a date-time (or a list of them) has `date`; a node whose type carries `media` has
 * that source; comparisons, `pr`, `in`, `and`, `or` and `not` have none (a boolean reveals no
 * value); a function keeps the provenance of exactly the arguments whose values can appear in its
 * result (`FunctionDef.flows`). The provenance is "can yield", not "did yield": every branch of
 * `if`, `switch`, `coalesce` and `??` counts.
 */
export type Provenance = Readonly<Partial<Record<Source, Expr>>>;

/** No source. */
export const NO_PROVENANCE: Provenance = Object.freeze({});

/** Whether the value can be derived from any source. */
export function isTagged(p: Provenance): boolean {
  return sources.some((s) => p[s] !== undefined);
}

/** The first source of each kind among `ps`, in order. */
export function unionProvenance(ps: readonly Provenance[]): Provenance {
  let out: Partial<Record<Source, Expr>> | undefined;
  for (const p of ps) {
    for (const s of sources) {
      const at = p[s];
      if (at === undefined) continue;
      out ??= {};
      out[s] ??= at;
    }
  }
  return out ?? NO_PROVENANCE;
}

/** What the checker's provenance rules read: the provenance of an analysed child. */
export interface ProvenanceContext {
  readonly of: (expr: Expr) => Provenance;
}

const none = (): Provenance => NO_PROVENANCE;

const rules: ExprVisitor<Provenance, ProvenanceContext> = {
  Error: none,
  Literal: none,
  Path: none,
  Compare: none,
  Present: none,
  Logical: none,
  Not: none,
  In: none,
  List: (expr, { of }) => unionProvenance(expr.items.map(of)),
  Group: (expr, { of }) => of(expr.inner),
  Coalesce: (expr, { of }) => unionProvenance([of(expr.left), of(expr.right)]),
  Call: (expr, { of }) => {
    const fn = lookupFunction(expr.name);
    const count = expr.args.length;
    // A call with a wrong name or arity is an error already; keep every argument to be safe.
    const known = fn !== undefined && count >= fn.minArgs && count <= fn.maxArgs;
    return unionProvenance(expr.args.filter((_, i) => !known || fn.flows(i, count)).map(of));
  },
};

/** The source kind a value of type `t` is by itself, if any (a date-time, a photo URL, ...). */
function ownSource(t: Type): Source | undefined {
  const element = t.kind === 'list' ? t.of : t;
  if ('media' in element && element.media !== undefined) return element.media;
  if (element.kind === 'dateTime') return 'date';
  if (element.kind === 'binary') return 'binary';
  if (element.kind === 'complex') {
    // `join` reads a complex element's `value`: `join(",", certificates)` yields its value.
    const value = findAttribute(element.attribute?.subAttributes, 'value');
    if (value?.type === 'dateTime') return 'date';
    if (value?.type === 'binary') return 'binary';
  }
  return undefined;
}

/**
 * The provenance of `expr`, typed `type`, whose children have been analysed: what its flowing
 * children bring in, plus the node itself when its own type is such a value and no child brought
 * that kind in.
 */
export function provenanceOf(expr: Expr, type: Type, context: ProvenanceContext): Provenance {
  const inherited = visit(expr, rules, context);
  const own = ownSource(type);
  if (own === undefined || inherited[own] !== undefined) return inherited;
  return { ...inherited, [own]: expr };
}
