// Server: the filter of a value path (`emails[type eq "work"]`) in a PATCH path or a projection
// -> a test of one element, compiled by the expression language over the sub-attribute scope.

import type { Expr, LiteralValue } from '../../dsl/ast.ts';
import { compileExpression } from '../../dsl/compile.ts';
import type { AttributeDef, EvalContext, Scope } from '../../dsl/types.ts';
import { someNode, walk, type ExprVisitor } from '../../dsl/walk.ts';
import { isHostileKey } from './json.ts';
import { attributeNamed } from './schema-lookup.ts';

/** True when one element of the multi-valued attribute satisfies the filter. */
export type ElementTest = (element: unknown) => boolean;

// Value filters never read the clock: function calls are refused before they compile.
const EPOCH = new Date(0);

/**
 * Whether `filter` is one a value path can hold: comparisons of a sub-attribute with a value,
 * `pr`, `and`, `or`, `not` and parentheses. Function calls, nested value paths, URN paths and a
 * literal (or an attribute alone) as a condition are not.
 */
export function isValueFilter(filter: Expr): boolean {
  const operands = new Set<Expr>();
  walk(filter, (n) => {
    if (n.kind === 'Compare' && n.left.kind === 'Path' && n.right.kind === 'Literal') {
      operands.add(n.left);
      operands.add(n.right);
    } else if (n.kind === 'Present' && n.operand.kind === 'Path') {
      operands.add(n.operand);
    }
  });
  return !someNode(filter, (n) => !allowed[n.kind](n as never, operands));
}

const yes = () => true;
const no = () => false;
const allowed: ExprVisitor<boolean, ReadonlySet<Expr>> = {
  Group: yes,
  Not: yes,
  Logical: yes,
  Compare: (n, operands) => operands.has(n.left),
  Present: (n, operands) => operands.has(n.operand),
  Path: (n, operands) => operands.has(n) && n.urn === undefined && n.steps.every((s) => s.filter === undefined),
  Literal: (n, operands) => operands.has(n),
  List: no,
  In: no,
  Coalesce: no,
  Call: no,
  Error: no,
};

/**
 * Compiles a filter that passed isValueFilter. Names are the element's sub-attributes
 * (`subDefs`, case-insensitive); a name without a definition (an attribute the schema does not
 * know) reads the element's member of that name and compares as a case-insensitive string.
 * Comparisons follow the expression language, with date-times in `timezone`.
 */
export function compileValueFilter(filter: Expr, subDefs: readonly AttributeDef[] | undefined, timezone: string): ElementTest {
  const scope: Scope = { kind: 'scim', attributes: withNamesOf(filter, subDefs ?? []), namespaces: [] };
  const test = compileExpression(filter, scope, 'condition');
  return (element) => test({ root: element as EvalContext['root'], now: EPOCH, timezone }) === true;
}

/** `defs` plus a plain string definition for every name the filter uses that `defs` lacks. */
function withNamesOf(filter: Expr, defs: readonly AttributeDef[]): readonly AttributeDef[] {
  const extra: AttributeDef[] = [];
  const added = new Set<string>();
  walk(filter, (n) => {
    if (n.kind !== 'Path') return;
    const name = n.steps[0]!.name;
    if (attributeNamed(defs, name) || added.has(name.toLowerCase())) return;
    added.add(name.toLowerCase());
    extra.push(unknownAttribute(name, n.steps.slice(1).map((s) => s.name)));
  });
  return extra.length === 0 ? defs : [...defs, ...extra];
}

function unknownAttribute(name: string, below: readonly string[]): AttributeDef {
  const base = { name, multiValued: false, caseExact: false, mutability: 'readWrite', uniqueness: 'none' } as const;
  const [next, ...rest] = below;
  return next === undefined ? { ...base, type: 'string' } : { ...base, type: 'complex', subAttributes: [unknownAttribute(next, rest)] };
}

/**
 * The sub-attribute values a filter pins down with `eq` terms joined by `join` alone:
 * `type eq "work"` -> `{type: "work"}` (with `and`: the element a replace on an unmatched value
 * path adds), `value eq "a" or value eq "b"` (with `or`: the members a removal names). Names get
 * their schema case from `subDefs`. Undefined when the filter is anything else.
 */
export function equalityTerms(filter: Expr, join: 'and' | 'or', subDefs: readonly AttributeDef[] | undefined): readonly { readonly name: string; readonly value: LiteralValue }[] | undefined {
  const terms: { name: string; value: LiteralValue }[] = [];
  let simple = true;
  walk(filter, (n) => {
    if (!simple) return false;
    if (n.kind === 'Group' || (n.kind === 'Logical' && n.op === join)) return true;
    if (n.kind === 'Compare' && n.op === 'eq' && n.left.kind === 'Path' && n.right.kind === 'Literal') {
      const [step, more] = n.left.steps;
      if (n.left.urn === undefined && step && !more && !step.filter && !isHostileKey(step.name)) {
        terms.push({ name: attributeNamed(subDefs, step.name)?.name ?? step.name, value: n.right.value });
        return false;
      }
    }
    simple = false;
    return false;
  });
  return simple ? terms : undefined;
}
