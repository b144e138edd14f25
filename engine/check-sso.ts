// Part of stage 4 (check-config): the `sso.claims` mapping. Each target is a SCIM attribute path,
// checked as every path is (E201, did-you-mean) and stored as a profile mapping is (E301-E304,
// check-storable.ts); W403 when the mapping key is filled from a login name that can change.
// `sso.prefer` names profile fields (E201 otherwise; its values are the schema's enum).

import type { Analysis } from '../dsl/check.ts';
import { didYouMean } from '../dsl/suggest.ts';
import { printExpression } from '../dsl/print.ts';
import type { Type } from '../dsl/types.ts';
import { catalog } from './catalog.ts';
import { checkStorable, type Reporter } from './check-storable.ts';
import type { RawConfig } from './config.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { LoadedFile } from './load-yaml.ts';
import { simpleMatch } from './login.ts';
import type { ParsedConfig, ParsedExpression } from './parse-expressions.ts';

/** Claims that name a login, not a person: they change on marriage, a domain rename, or by the user (Entra's `preferred_username`). */
const LOGIN_NAME_CLAIMS = new Set(['email', 'upn', 'preferred_username', 'unique_name', 'emailaddress', 'mail']);

/** The last segment of a claim name, so SAML's URI-named attributes (`.../claims/emailaddress`) count too. */
const claimLeaf = (claim: string): string => (claim.split('/').pop() ?? claim).toLowerCase();

export function checkSso(
  parsed: ParsedConfig,
  keyAttribute: string,
  check: (expr: ParsedExpression | undefined) => Type | undefined,
  analysisOf: (expr: ParsedExpression) => Analysis | undefined,
  report: Reporter,
): void {
  for (const { claim, expr } of parsed.sso ?? []) {
    const type = check(expr);
    const analysis = expr && analysisOf(expr);
    if (!expr || !type || !analysis || analysis.diagnostics.some((d) => d.code.startsWith('E'))) continue;
    const filter = expr.ast.kind === 'Path' ? expr.ast.steps.find((s) => s.filter && !simpleMatch(s.filter))?.filter : undefined;
    if (filter) {
      report('E206', expr, filter, 'a claim can only fill an element chosen by `attribute eq "value"`', {
        help: 'write the target as e.g. `emails[type eq "work"].value`',
      });
      continue;
    }
    checkStorable(expr, analysis, report);
    const target = printExpression(expr.ast);
    if (target.toLowerCase() === keyAttribute.toLowerCase() && LOGIN_NAME_CLAIMS.has(claimLeaf(claim))) {
      report('W403', expr, expr.ast, `the mapping key \`${keyAttribute}\` is filled from the claim \`${claim}\`, which can change`, {
        notes: [
          `\`${claim}\` is a login name: it changes when someone marries or the domain is renamed, and some providers let users edit it; when a key value changes, the account can no longer be found: the next login makes a duplicate account`,
        ],
        help: 'fill the key from a claim that never changes, such as Entra ID\'s `oid` (or `sub`); keep the login name in `userName`',
      });
    }
  }
}

/** E201 for a `sso.prefer` entry that names no profile field, at the entry's key. */
export function checkPreferences(loaded: LoadedFile, config: RawConfig): Diagnostic[] {
  const fields = Object.keys(config.profile ?? {});
  return Object.keys(config.sso?.prefer ?? {})
    .filter((field) => !Object.hasOwn(config.profile ?? {}, field))
    .map((field): Diagnostic => {
      const span = loaded.spanAt(['sso', 'prefer', field], 'key');
      const help = didYouMean(field, fields) ?? `\`prefer:\` names profile fields: ${fields.map((f) => `\`${f}\``).join(', ')}`;
      return { code: 'E201', severity: catalog.E201.severity, message: `\`sso.prefer\` names \`${field}\`, which is no profile field`, file: loaded.file, ...(span ? { span } : {}), help };
    });
}
