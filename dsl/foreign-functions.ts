// Functions of the expression languages consultants bring (Microsoft Entra ID's attribute
// mapping expressions, Okta's expression language) -> the help that names scimplan's form.

/**
 * One function of another product's expression language. `scimplan` is the equivalent
 * function (a name `lookupFunction` knows) or an operator, absent when scimplan has none;
 * `write` is the scimplan form to show, `note` what differs or what to do when there is none.
 */
export interface ForeignFunction {
  readonly name: string;
  readonly language: 'Entra ID' | 'Okta';
  readonly scimplan?: string;
  readonly write?: string;
  readonly note?: string;
}

const entra = (name: string, scimplan: string | undefined, write: string | undefined, note?: string): ForeignFunction => ({
  name,
  language: 'Entra ID',
  ...(scimplan !== undefined ? { scimplan } : {}),
  ...(write !== undefined ? { write } : {}),
  ...(note !== undefined ? { note } : {}),
});

const okta = (name: string, scimplan: string | undefined, write: string | undefined, note?: string): ForeignFunction => ({
  ...entra(name, scimplan, write, note),
  language: 'Okta',
});

const noDates = 'dates are never synced to profile fields; compare them in `deactivate.when` with `le`, `ge`, `now()` and `addDays`';

/** The one table of foreign function names; names are matched ignoring case. */
export const foreignFunctions: readonly ForeignFunction[] = [
  entra('IIF', 'if', 'if(condition, then, else)'),
  entra('Join', 'join', 'join(separator, a, b, ...)'),
  entra('Switch', 'switch', 'switch(value, key1, result1, ..., default)', 'Entra writes the default second, scimplan last'),
  entra('Coalesce', 'coalesce', 'coalesce(a, b, ...)', 'or `a ?? b`'),
  entra('ToLower', 'lower', 'lower(text)'),
  entra('ToUpper', 'upper', 'upper(text)'),
  entra('Trim', 'trim', 'trim(text)'),
  entra('Mid', 'substring', 'substring(text, start, length)', 'scimplan counts `start` from 0, Entra from 1'),
  entra('Left', 'substring', 'substring(text, 0, length)'),
  entra('Replace', 'replace', 'replace(text, find, replacement)', 'scimplan replaces plain text, not a regular expression'),
  entra('Split', 'split', 'split(text, separator)'),
  entra('Append', 'concat', 'concat(a, b, ...)'),
  entra('StripSpaces', 'replace', 'replace(text, " ", "")'),
  entra('NormalizeDiacritics', undefined, undefined, 'scimplan has no function that removes diacritics; map the value as the directory sends it'),
  entra('IsPresent', 'pr', 'attribute pr'),
  entra('IsNull', 'pr', 'not (attribute pr)'),
  entra('IsNullOrEmpty', 'pr', 'not (attribute pr)'),
  entra('InStr', 'co', 'text co "part"', 'scimplan tests containment, it has no position of a match'),
  entra('DateAdd', 'addDays', 'addDays(date, days)'),
  entra('FormatDateTime', undefined, undefined, noDates),
  entra('CDate', 'date', 'date("2026-05-01")'),
  entra('PCase', undefined, undefined, 'scimplan has no title case; map the value as the directory sends it'),
  entra('SelectUniqueValue', undefined, undefined, 'scimplan has no uniqueness lookup; map one attribute, e.g. `userName`'),
  okta('String.toLowerCase', 'lower', 'lower(text)'),
  okta('String.toUpperCase', 'upper', 'upper(text)'),
  okta('String.join', 'join', 'join(separator, a, b, ...)'),
  okta('String.append', 'concat', 'concat(a, b, ...)'),
  okta('String.replace', 'replace', 'replace(text, find, replacement)'),
  okta('String.substring', 'substring', 'substring(text, start, length)', 'Okta takes an end index, scimplan a length'),
  okta('String.stringContains', 'co', 'text co "part"'),
  okta('String.startsWith', 'sw', 'text sw "prefix"'),
  okta('String.substringBefore', undefined, undefined, 'scimplan has no `substringBefore`; `split(text, separator)` splits at every separator and `substring(text, start, length)` takes a fixed position'),
  okta('String.substringAfter', undefined, undefined, 'scimplan has no `substringAfter`; `split(text, separator)` splits at every separator and `substring(text, start, length)` takes a fixed position'),
  okta('String.len', undefined, undefined, 'scimplan has no length function'),
  okta('String.stringSwitch', 'switch', 'switch(value, key1, result1, ..., default)', 'Okta writes the default second, scimplan last'),
  okta('Arrays.contains', 'in', 'value in ["A", "B"]'),
  okta('Arrays.isEmpty', 'pr', 'not (attribute pr)'),
];

const byName: ReadonlyMap<string, ForeignFunction> = new Map(foreignFunctions.map((f) => [f.name.toLowerCase(), f]));

/** The table entry for `name` (ignoring case), if it is a foreign function. */
export function lookupForeignFunction(name: string): ForeignFunction | undefined {
  return byName.get(name.toLowerCase());
}

/** What to write in scimplan instead of `f`: `in scimplan write \`if(...)\``, or that there is none. */
export function scimplanForm(f: ForeignFunction): string {
  if (f.write === undefined) return f.note ?? 'scimplan has no equivalent';
  return `in scimplan write \`${f.write}\`${f.note ? ` (${f.note})` : ''}`;
}

/** The help for a call of `name`: `\`IIF\` is Entra ID's; in scimplan write \`if(...)\``, or undefined. */
export function foreignFunctionHelp(name: string): string | undefined {
  const f = lookupForeignFunction(name);
  return f ? `\`${f.name}\` is ${f.language}'s; ${scimplanForm(f)}` : undefined;
}
