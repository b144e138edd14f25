// Small operations on static types shared by the checker's parts: a readable name for
// messages, and the scalar a picked value stands for.

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
