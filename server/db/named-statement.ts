// Storage: a statement text written with named placeholders (`$tenant`, `$now`), numbered once
// at load (`$1`, `$2`, ...), so that a long statement of data-modifying CTEs reads by name and
// a request binds its values by name.

export interface NamedStatement {
  /** The text with numbered placeholders, as prepared. */
  readonly text: string;
  /** The names, in the order of their numbers. */
  readonly names: readonly string[];
}

const PLACEHOLDER = /\$([a-z][a-zA-Z]*)/g;

/** Numbers the placeholders of `text` in the order they first appear; one number per name. */
export function namedStatement(text: string): NamedStatement {
  const names: string[] = [];
  const numbered = text.replace(PLACEHOLDER, (_, name: string) => {
    let at = names.indexOf(name);
    if (at < 0) at = names.push(name) - 1;
    return `$${at + 1}`;
  });
  return { text: numbered, names };
}

/**
 * The parameter list of `statement` by name, from `values` or else `more` (a statement's own
 * values beside those its kind shares: no merged copy per request); a name without a value is a
 * bug, not a null.
 */
export function bindNamed(statement: NamedStatement, values: Readonly<Record<string, unknown>>, more?: Readonly<Record<string, unknown>>): unknown[] {
  return statement.names.map((name) => {
    if (name in values) return values[name];
    if (more !== undefined && name in more) return more[name];
    throw new Error(`no value for $${name}`);
  });
}
