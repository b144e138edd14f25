// Go to definition in a tenant file: from a profile field in a group rule to its mapping under
// `profile:`, from an extension alias or attribute to its declaration under `schemas:`, and
// from a test case's expected profile field or group to its mapping or first group rule.

import { resolvePath } from '../../dsl/resolve.ts';
import type { TenantFileCheck } from '../check-tenant-file.ts';
import type { FileSpan } from '../diagnostic.ts';
import { checkOf, expressionAt, type AssistSource } from './expression-at.ts';
import { nodeAt } from './node-at.ts';
import { rangeOfSpan, type Range } from './positions.ts';

export function definitionAt(source: AssistSource, offset: number, file?: string): Range | undefined {
  const check = checkOf(source, file);
  const found = expressionAt(check, offset);
  if (!found) return inTests(check, offset);
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

/** In `tests:`: an expected profile field goes to its mapping, an expected group to its first rule. */
function inTests(check: TenantFileCheck, offset: number): Range | undefined {
  const { loaded, config } = check;
  const holds = (span: FileSpan | undefined) => span !== undefined && span.start <= offset && offset <= span.end;
  for (const [i, test] of (config?.tests ?? []).entries()) {
    const expect = typeof test === 'object' && test !== null ? test.expect : undefined;
    if (typeof expect !== 'object' || expect === null) continue;
    for (const field of Object.keys(expect.profile ?? {})) {
      if (!holds(loaded.spanAt(['tests', i, 'expect', 'profile', field], 'key'))) continue;
      const span = loaded.spanAt(['profile', field], 'key');
      return span ? rangeOfSpan(span) : undefined;
    }
    for (const [j, group] of (Array.isArray(expect.groups) ? expect.groups : []).entries()) {
      if (!holds(loaded.spanAt(['tests', i, 'expect', 'groups', j], 'value'))) continue;
      // The usable rules (a file with shape errors can hold any YAML in `groups:`), by their index.
      const rule = check.parsed?.groups.find((g) => g.group === group);
      const span = rule ? loaded.spanAt(['groups', rule.index, 'group'], 'value') : undefined;
      return span ? rangeOfSpan(span) : undefined;
    }
  }
  return undefined;
}
