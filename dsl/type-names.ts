// Small operations on static types shared by the checker's parts: a readable name for
// messages, the scalar a picked value stands for, and how to pick one element in a help.

import type { Type } from './types.ts';

/** A readable name of a type for messages. */
export function typeName(t: Type): string {
  if (t.kind === 'list') return `list of ${typeName(t.of)}`;
  if (t.kind === 'complex') return 'multi' in t && t.multi ? 'multi-valued complex value' : 'complex value';
  const base = t.kind;
  return 'multi' in t && t.multi ? `multi-valued ${base}` : base;
}

/** A `picked` value reduced to the scalar a value context yields. */
export function scalarOf(t: Type): Type {
  if ('picked' in t && t.picked) {
    const { picked: _picked, ...rest } = t as Record<string, unknown>;
    return rest as Type;
  }
  return t;
}

/** Attributes whose elements are not picked by a `work` type, with the sub-attribute worth keeping. */
const picks: Readonly<Record<string, { readonly type: string; readonly sub: string }>> = {
  groups: { type: 'direct', sub: 'display' },
};

/**
 * How a help picks one element of the multi-valued attribute `name`: the usual `type` value
 * (`work`; `direct` for `groups`) and the sub-attribute to map when none is written (`value`;
 * `display` for `groups`, whose `value` is an id).
 */
export function pickOne(name: string): { readonly type: string; readonly sub: string } {
  return picks[name.toLowerCase()] ?? { type: 'work', sub: 'value' };
}
