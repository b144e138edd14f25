// Completion in a tenant file's expressions: attribute paths (core User, extensions through
// their aliases, sub-attributes), extension aliases, profile fields in group rules, functions
// and keywords. Names come from the checker's scopes, so they are exactly what resolves.

import type { PathExpr } from '../../dsl/ast.ts';
import { functionNames, lookupFunction } from '../../dsl/functions.ts';
import { attributeType, filterScope, findAttribute, namespaceByAlias, resolvePath } from '../../dsl/resolve.ts';
import { typeName } from '../../dsl/type-names.ts';
import type { AttributeDef, Namespace, Scope } from '../../dsl/types.ts';
import { checkOf, emptyValueAt, expressionAt, type AssistSource } from './expression-at.ts';
import { functionDocs } from './function-docs.ts';
import { cursorState, pathBefore } from './path-before.ts';
import { rangeOf, type Range } from './positions.ts';

export type CompletionKind = 'attribute' | 'alias' | 'function' | 'field' | 'keyword';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  readonly documentation?: string;
  /** What the item replaces: the partial name before the cursor (file offsets and positions). */
  readonly range: Range;
}

const conditionKeywords = ['and', 'or', 'not', 'in', 'pr', 'eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const valueKeywords = ['true', 'false', 'null'];

/**
 * What can be written at file offset `offset` of the tenant file `source`: only inside an
 * expression (key, profile mappings, deactivation, group rules), never inside a string literal.
 * Items start with the partial name before the cursor (case-insensitively).
 */
export function completionsAt(source: AssistSource, offset: number, file?: string): CompletionItem[] {
  const check = checkOf(source, file);
  const found = expressionAt(check, offset);
  // An empty value (`when: |`) is no expression yet: what starts one there, from the same check.
  const empty = found ? undefined : emptyValueAt(check, offset);
  const context = found?.context ?? empty;
  if (!context) return [];
  const text = found ? found.context.expr.source.text : '';
  const at = found ? found.at : 0;
  const state = cursorState(text, at);
  if (state.inString) return [];
  const before = pathBefore(text, at);
  const from = found ? found.context.expr.source.toFileOffset(before.partialStart) : offset;
  const range = rangeOf(check.loaded, from, offset);

  let scope = context.scope;
  const inFilter = state.filterAt !== undefined && state.filterAt < before.start;
  if (inFilter) {
    const outer = pathBefore(text, state.filterAt!);
    const def = outer.partial ? resolveDef(context.scope, [...outer.steps, outer.partial]) : undefined;
    if (!def) return [];
    scope = filterScope(def, context.scope);
  }

  const items: Omit<CompletionItem, 'range'>[] = [];
  if (before.steps.length > 0) {
    items.push(...stepItems(scope, before.steps));
  } else {
    const profile = check.config?.profile ?? {};
    for (const def of scope.attributes) {
      items.push(scope.kind === 'profile' ? fieldItem(def, profile[def.name]) : attributeItem(def));
    }
    for (const ns of scope.namespaces) for (const alias of ns.aliases) items.push(aliasItem(alias, ns));
    if (!inFilter) items.push(...functionItems());
    const condition = inFilter || context.role === 'group' || context.role === 'deactivate';
    for (const word of [...(condition ? conditionKeywords : []), ...valueKeywords]) items.push({ label: word, kind: 'keyword' });
  }
  const lower = before.partial.toLowerCase();
  return items.filter((item) => item.label.toLowerCase().startsWith(lower)).map((item) => ({ ...item, range }));
}

/** Names after `steps.`: an alias's extension attributes, or a complex attribute's sub-attributes. */
function stepItems(scope: Scope, steps: readonly string[]): Omit<CompletionItem, 'range'>[] {
  if (scope.kind === 'scim' && steps.length === 1 && !findAttribute(scope.attributes, steps[0]!)) {
    const ns = namespaceByAlias(scope, steps[0]!);
    if (ns) return ns.attributes.map(attributeItem);
  }
  const def = resolveDef(scope, steps);
  return (def?.subAttributes ?? []).map(attributeItem);
}

/** The attribute `steps` names in `scope`, as the checker resolves it. */
function resolveDef(scope: Scope, steps: readonly string[]): AttributeDef | undefined {
  const span = { start: 0, end: 0 };
  const path: PathExpr = { kind: 'Path', steps: steps.map((name) => ({ name, span })), span };
  const resolved = resolvePath(path, scope);
  return resolved.ok ? resolved.def : undefined;
}

/** How an attribute's type reads: `string`, `multi-valued complex value`, `dateTime`. */
export function attributeTypeName(def: AttributeDef): string {
  const base = typeName(attributeType(def));
  return def.multiValued ? `multi-valued ${base}` : base;
}

function attributeItem(def: AttributeDef): Omit<CompletionItem, 'range'> {
  return { label: def.name, kind: 'attribute', detail: attributeTypeName(def), ...(def.description ? { documentation: def.description } : {}) };
}

function fieldItem(def: AttributeDef, mapping: string | undefined): Omit<CompletionItem, 'range'> {
  return {
    label: def.name,
    kind: 'field',
    detail: `profile field: ${attributeTypeName(def)}`,
    ...(mapping !== undefined ? { documentation: `mapped from \`${mapping}\`` } : {}),
  };
}

function aliasItem(alias: string, ns: Namespace): Omit<CompletionItem, 'range'> {
  const names = ns.attributes.map((a) => `\`${a.name}\``).join(', ');
  return { label: alias, kind: 'alias', detail: ns.urn, documentation: `extension schema \`${ns.urn}\`${names ? `: ${names}` : ''}` };
}

function functionItems(): Omit<CompletionItem, 'range'>[] {
  return functionNames.map((name) => {
    const doc = functionDocs[name];
    const arity = lookupFunction(name)?.arity;
    return {
      label: name,
      kind: 'function' as const,
      ...(doc ? { detail: doc.signature, documentation: `${doc.doc}${arity ? ` (${arity})` : ''}` } : {}),
    };
  });
}
