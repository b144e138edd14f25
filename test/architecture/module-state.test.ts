// No mutable module state in server/ and cli/: registries, observers, caches and counters live
// on an instance (the app, serve(), a class), read from the text of each file as below.
//
// The rule, on formatted code (a top-level statement starts at column 0, nested code is indented):
// 1. no top-level `let` or `var`;
// 2. no top-level `const` whose binding the file mutates: `NAME.add|set|delete|clear|push|pop|
//    shift|unshift|splice|sort|reverse|fill|copyWithin(`, an assignment to `NAME.x` or `NAME[k]`
//    (`=`, `+=`, `++`, ...), `delete NAME.x`, `Object.assign(NAME, ...)`;
// 3. no exported top-level `const` holding a Map, Set, WeakMap, WeakSet or array unless its
//    declared type is readonly (`ReadonlyMap`, `ReadonlySet`, `readonly T[]`) or it is frozen:
//    another module could mutate it;
// 4. no `static` class field that is not `readonly`;
// 5. no top-level `const` holding an instance of a class (`new Name(`) other than the data types
//    rules 2 and 3 judge and `Date`, `RegExp`, `URL`, `TextEncoder`, `TextDecoder`: its own
//    methods may change it where no pattern of rule 2 can see.
// Constant tables (`const IGNORED = new Set([...])` that nothing mutates) pass: they are data.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, sources } from './source-files.ts';

/**
 * Documented exceptions, `file: binding` -> why it may stay. The event observers and next-check
 * listeners moved to `server/signals.ts` (one set per app), the Bulk operation ids to
 * `BulkOperationIds` (one per app). What remains memoizes a pure function of an immutable key on
 * the request path (issue 12): nothing any app or request can observe or change, the same
 * answer with or without it, and freed with its key or bounded.
 */
const allowed: Readonly<Record<string, string>> = {
  'server/db/database.ts: EMBEDDED': 'the Kysely instances openDatabase made over PGlite, keyed weakly: which storage a handle is, for what shares a statement (db/batcher.ts)',
  'server/db/users.ts: LIVE_READS': 'the reads by id waiting to share a statement, per database handle (keyed weakly) and tenant (db/batcher.ts): each app has its own handle, and a request sees only its own outcome',
  'server/db/user-write.ts: KNOWN_INSERTS': 'the creates waiting to share a statement, per database handle (keyed weakly) and tenant (db/batcher.ts): each app has its own handle, and a request sees only its own outcome',
  'server/db/user-write.ts: PLAIN_UPDATES': 'the updates waiting to share a statement, per database handle (keyed weakly) and tenant (db/batcher.ts): each app has its own handle, and a request sees only its own outcome',
  'server/db/pglite-prepared.ts: OF_INSTANCE': 'the prepared statements of a PGlite session, keyed weakly by its PGlite instance: one per session whatever number of Kysely instances share it',
  'server/db/rule-group-ids.ts: known': 'rule group ids a create names, keyed weakly by the database handle and bounded per tenant: a hint the write statement checks (a stale one writes nothing and takes the full statement), so the answer is the same with or without it',
  'server/db/users.ts: BY_VALUE': 'the statement text compiled from a filter shape, keyed weakly by the shape',
  'server/db/filter/user-filter.ts: SHAPES': 'the condition compiled for `userName eq` / `externalId eq`, keyed weakly by the (immutable) tenant scope',
  'server/scim/patch-ops.ts: PARSED_PATHS': 'PATCH paths parsed, by text: a pure function of the text, bounded (1,000 texts of at most 200 characters)',
  'server/scim/projection.ts: VIEWS': 'the default view compiled for a scope or a definitions list, keyed weakly by that (immutable) owner',
  'server/scim/schema-lookup.ts: BY_LOWER_NAME': 'attribute definitions by lower-case name, keyed weakly by the (immutable) definition list',
  'server/scim/schema-lookup.ts: NAMESPACES': 'extension namespaces by lower-case URN and alias, keyed weakly by the (immutable) scope',
};

const MUTATORS = 'add|set|delete|clear|push|pop|shift|unshift|splice|sort|reverse|fill|copyWithin';
const escape = (name: string) => name.replace(/\$/g, '\\$');

/** The module-level mutable bindings of one file's text, as `binding: rule` strings. */
function moduleState(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:export\s+)?(?:let|var)\s+([\w$]+)/gm)) found.push(`${m[1]}: top-level let/var`);
  for (const m of text.matchAll(/^(export\s+)?const\s+([\w$]+)\s*(?::\s*([^=]+?))?\s*=\s*(.*)$/gm)) {
    const [, exported, name = '', type = '', init = ''] = m;
    const n = escape(name);
    const mutated = [
      new RegExp(`(?<![\\w$.])${n}\\s*\\.\\s*(?:${MUTATORS})\\s*\\(`),
      new RegExp(`(?<![\\w$.])${n}\\s*(?:\\.\\s*[\\w$#]+|\\[[^\\]\\n]*\\])+\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?!=|>)`),
      new RegExp(`(?<![\\w$.])${n}\\s*(?:\\.\\s*[\\w$#]+|\\[[^\\]\\n]*\\])+\\s*(?:\\+\\+|--)`),
      new RegExp(`(?:\\+\\+|--)\\s*${n}\\s*(?:\\.|\\[)`),
      new RegExp(`\\bdelete\\s+${n}\\s*(?:\\.|\\[)`),
      new RegExp(`Object\\.assign\\(\\s*${n}\\s*,`),
    ].some((pattern) => pattern.test(text));
    if (mutated) found.push(`${name}: top-level const mutated in this file`);
    const collection = /^(?:new\s+(?:Map|Set|WeakMap|WeakSet|Array)\b|\[)/.test(init);
    const readonly = /^(?:Readonly(?:Map|Set|Array)<|readonly\s)/.test(type.trim()) || /^Object\.freeze\(/.test(init);
    if (exported && collection && !readonly) found.push(`${name}: exported mutable collection`);
    if (/^new\s+(?!(?:Map|Set|WeakMap|WeakSet|Array|Date|RegExp|URL|TextEncoder|TextDecoder)\b)[A-Z][\w$]*\s*[<(]/.test(init)) found.push(`${name}: top-level instance of a class`);
  }
  for (const m of text.matchAll(/^\s+(?:(?:public|private|protected|declare|override)\s+)*static\s+(?!readonly\b|async\b|get\b|set\b|\{)([\w$#]+)\s*[?!]?\s*[:=;]/gm)) {
    found.push(`${m[1]}: static field that is not readonly`);
  }
  return found;
}

describe('no mutable module state in server/ and cli/', () => {
  const files = [...sources('server'), ...sources('cli')];

  /** `file: binding` of each finding, with the finding. */
  const findings = () =>
    files.flatMap((file) => moduleState(readFileSync(file, 'utf8')).map((f) => ({ key: `${relative(root, file)}: ${f.slice(0, f.indexOf(':'))}`, finding: `${relative(root, file)}: ${f}` })));

  it('finds no module-level mutable binding outside the documented exceptions', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(findings().filter((f) => !(f.key in allowed)).map((f) => f.finding)).toEqual([]);
  });

  it('lists only exceptions that still exist', () => {
    const present = new Set(findings().map((f) => f.key));
    expect(Object.keys(allowed).filter((key) => !present.has(key))).toEqual([]);
  });

  it('detects each kind of module state in a sample, and passes constant data and instance state', () => {
    const sample = `
let counter = 0;
export var legacy = 1;
const observers = new Set<() => void>();
export function observe(o: () => void) { observers.add(o); }
const cache: Record<string, number> = {};
export const memo = (k: string) => (cache[k] ??= k.length);
const stats = { hits: 0 };
export const hit = () => stats.hits++;
export const names = ['a', 'b'];
export const byId = new Map<string, string>();
class Registry {
  static instances = 0;
  private static last: Registry | undefined;
}
const queue = new Batcher<string>({ run: send });
`;
    expect(moduleState(sample)).toEqual([
      'counter: top-level let/var',
      'legacy: top-level let/var',
      'observers: top-level const mutated in this file',
      'cache: top-level const mutated in this file',
      'stats: top-level const mutated in this file',
      'names: exported mutable collection',
      'byId: exported mutable collection',
      'queue: top-level instance of a class',
      'instances: static field that is not readonly',
      'last: static field that is not readonly',
    ]);

    const fine = `
const IGNORED = new Set(['id', 'meta']);
export const formats: readonly string[] = ['text', 'json'];
export const KEYS: ReadonlySet<string> = new Set(['a']);
export const frozen = Object.freeze(['x']);
const LIMIT = 100;
const EPOCH = new Date(0);
const WORD = new RegExp('^[a-z]+$');
export function count(items: readonly string[]): Map<string, number> {
  const seen = new Map<string, number>();
  let total = 0;
  for (const item of items) if (!IGNORED.has(item)) seen.set(item, ++total);
  return seen;
}
class Holder {
  static readonly NAME = 'holder';
  static create(): Holder { return new Holder(); }
  readonly #runs = new Map<string, number>();
  add(key: string) { this.#runs.set(key, LIMIT); }
}
`;
    expect(moduleState(fine)).toEqual([]);
  });
});
