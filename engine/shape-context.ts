// Shared by the shape checks of stage 2: where the diagnostics go, how one is built, and the
// spans of YAML values and mappings that messages point at.

import { isMap } from 'yaml';
import type { Node } from 'yaml';
import { severityOf, type Code } from './catalog.ts';
import type { Diagnostic, FileSpan, Label } from './diagnostic.ts';
import type { LoadedFile, YamlPath } from './load-yaml.ts';

export type Json = unknown;

export interface Ctx {
  readonly loaded: LoadedFile;
  readonly out: Diagnostic[];
}

export function diag(
  ctx: Ctx,
  code: Code,
  message: string,
  span: FileSpan | undefined,
  extra: { help?: string; labels?: Label[]; notes?: string[]; redact?: FileSpan } = {},
): void {
  ctx.out.push({
    code,
    severity: severityOf(code),
    message,
    file: ctx.loaded.file,
    ...(span ? { span } : {}),
    ...(extra.labels && extra.labels.length > 0 ? { labels: extra.labels } : {}),
    ...(extra.notes ? { notes: extra.notes } : {}),
    ...(extra.help ? { help: extra.help } : {}),
    ...(extra.redact ? { redact: [{ start: extra.redact.start, end: extra.redact.end }] } : {}),
  });
}

export const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Dotted display of a path: `groups[0].when`. */
export function displayPath(path: YamlPath): string {
  let s = '';
  for (const step of path) s += typeof step === 'number' ? `[${step}]` : s === '' ? step : `.${step}`;
  return s;
}

/** The span of a value; for `key:` with nothing after it, the key (an empty value has no width). */
export function valueSpan(loaded: LoadedFile, path: YamlPath): FileSpan | undefined {
  const span = loaded.spanAt(path, 'value');
  if (span && span.end > span.start) return span;
  return (path.length > 0 ? loaded.spanAt(path, 'key') : undefined) ?? span;
}

/** Where to point for a mapping that lacks a key: its first key, else the mapping itself. */
export function mappingSpan(loaded: LoadedFile, path: YamlPath): FileSpan | undefined {
  const node = loaded.nodeAt(path);
  if (isMap(node) && node.items.length > 0) {
    const k = node.items[0]!.key as Node | null;
    if (k?.range) return loaded.fileSpan(k.range[0], k.range[1]);
  }
  if (path.length > 0) return loaded.spanAt(path, 'key') ?? loaded.spanAt(path);
  return loaded.spanAt(path) ?? loaded.fileSpan(0, 0);
}
