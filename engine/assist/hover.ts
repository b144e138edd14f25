// Hover help in a tenant file: the diagnostics at the cursor (with their catalogue entry and
// help), a function's signature and doc, an attribute's or profile field's type.

import type { PathExpr } from '../../dsl/ast.ts';
import { lookupFunction } from '../../dsl/functions.ts';
import { namespaceByAlias, resolvePath } from '../../dsl/resolve.ts';
import { catalog, type Code } from '../catalog.ts';
import type { Diagnostic } from '../diagnostic.ts';
import { attributeTypeName } from './completions.ts';
import { checkOf, expressionAt, type AssistSource, type ExpressionContext } from './expression-at.ts';
import { functionDocs } from './function-docs.ts';
import { nodeAt } from './node-at.ts';
import { rangeOfSpan, type Range } from './positions.ts';

export interface Hover {
  readonly range: Range;
  readonly markdown: string;
}

export function hoverAt(source: AssistSource, offset: number, file?: string): Hover | undefined {
  const check = checkOf(source, file);
  const here = check.diagnostics.filter((d) => d.span && d.span.start <= offset && offset <= Math.max(d.span.end, d.span.start + 1));
  if (here.length > 0) {
    const smallest = here.reduce((a, b) => (b.span!.end - b.span!.start < a.span!.end - a.span!.start ? b : a));
    return { range: rangeOfSpan(smallest.span!), markdown: here.map(diagnosticMarkdown).join('\n\n---\n\n') };
  }
  const found = expressionAt(check, offset);
  if (!found) return undefined;
  const node = nodeAt(found.context.expr, found.at);
  if (!node) return undefined;
  const { source: exprSource } = found.context.expr;
  if (node.kind === 'function') {
    const def = lookupFunction(node.call.name);
    if (!def) return undefined;
    const doc = functionDocs[def.name];
    const markdown = doc ? `\`${doc.signature}\`\n\n${doc.doc} (${def.arity})` : `\`${def.name}\` (${def.arity})`;
    return { range: rangeOfSpan(exprSource.fileSpan(node.call.nameSpan.start, node.call.nameSpan.end)), markdown };
  }
  const step = node.path.steps[node.index]!;
  const markdown = stepMarkdown(found.context, node.path, node.index, check.config?.profile ?? {});
  return markdown ? { range: rangeOfSpan(exprSource.fileSpan(step.span.start, step.span.end)), markdown } : undefined;
}

/** A diagnostic as hover text: severity, code and the catalogue's title, the message, notes and help. */
export function diagnosticMarkdown(d: Diagnostic): string {
  const entry = catalog[d.code as Code];
  const head = `**${d.severity}[${d.code}]**${entry ? ` ${entry.slug}: ${entry.title}` : ''}`;
  const parts = [head, d.message, ...(d.notes ?? []).map((n) => `note: ${n}`), ...(d.help ? [`help: ${d.help}`] : [])];
  return parts.join('\n\n');
}

/** What step `index` of `path` names: its written path, its type and description; a profile field's mapping. */
function stepMarkdown(context: ExpressionContext, path: PathExpr, index: number, profile: Readonly<Record<string, string>>): string | undefined {
  const written = path.steps.slice(0, index + 1).map((s) => s.name).join('.');
  const { scope } = context;
  if (scope.kind === 'scim' && index === 0 && path.urn === undefined) {
    const ns = namespaceByAlias(scope, path.steps[0]!.name);
    if (ns && !scope.attributes.some((a) => a.name.toLowerCase() === written.toLowerCase())) return `extension schema \`${ns.urn}\` (alias \`${written}\`)`;
  }
  const prefix: PathExpr = { ...path, steps: path.steps.slice(0, index + 1).map((s) => ({ name: s.name, span: s.span })) };
  const resolved = resolvePath(prefix, scope);
  if (!resolved.ok) return undefined;
  const def = resolved.def;
  if (scope.kind === 'profile') {
    const mapping = profile[def.name];
    return `profile field \`${def.name}\`: ${attributeTypeName(def)}${mapping !== undefined ? `\n\nmapped from \`${mapping}\`` : ''}`;
  }
  const where = resolved.urn ? `\n\nin \`${resolved.urn}\`` : '';
  return `\`${written}\`: ${attributeTypeName(def)}${def.description ? `\n\n${def.description}` : ''}${where}`;
}
