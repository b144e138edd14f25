// Go to definition in a tenant file: from a profile field in a group rule to its mapping under
// `profile:`, and from an extension alias or attribute to its declaration under `schemas:`.

import { resolvePath } from '../../dsl/resolve.ts';
import { checkOf, expressionAt, type AssistSource } from './expression-at.ts';
import { nodeAt } from './node-at.ts';
import { rangeOfSpan, type Range } from './positions.ts';

export function definitionAt(source: AssistSource, offset: number, file?: string): Range | undefined {
  const check = checkOf(source, file);
  const found = expressionAt(check, offset);
  if (!found) return undefined;
  const node = nodeAt(found.context.expr, found.at);
  if (node?.kind !== 'step') return undefined;
  const { scope } = found.context;
  const { loaded, config } = check;
  if (scope.kind === 'profile') {
    const first = node.path.steps[0]!;
    const resolved = resolvePath({ ...node.path, steps: [first] }, scope);
    if (!resolved.ok) return undefined;
    const span = loaded.spanAt(['profile', resolved.def.name], 'key');
    return span ? rangeOfSpan(span) : undefined;
  }
  // An extension declared by the file: the alias goes to `alias:`, its attribute to its declaration.
  const resolved = resolvePath(node.path, scope);
  if (!resolved.ok || !resolved.urn) return undefined;
  const index = (config?.schemas ?? []).findIndex((s) => s.urn === resolved.urn);
  if (index < 0) return undefined;
  const onAlias = node.index === 0 && node.path.urn === undefined;
  const step = resolved.steps[0];
  const span = onAlias
    ? loaded.spanAt(['schemas', index, 'alias'], 'value')
    : step
      ? loaded.spanAt(['schemas', index, 'attributes', step.name], 'key')
      : undefined;
  return span ? rangeOfSpan(span) : undefined;
}
