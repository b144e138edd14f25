// Part of stage 4 (check-config): the `sso.claims` mapping. Each target is a SCIM attribute path,
// checked as every path is (E201, did-you-mean) and stored as a profile mapping is (E301-E304,
// check-storable.ts); W403 when the mapping key is filled from a login name that can change.
// `sso.prefer` names profile fields (E201 otherwise; its values are the schema's enum), and two
// fields reading one attribute prefer the same source (W404 otherwise).

import type { Analysis } from '../dsl/check.ts';
import { didYouMean } from '../dsl/suggest.ts';
import { printExpression } from '../dsl/print.ts';
import type { Type } from '../dsl/types.ts';
import { catalog } from './catalog.ts';
import { readPaths } from './attribute-sources.ts';
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

/**
 * `sso.prefer`: E201 for an entry that names no profile field (at its key); W404 for a field that
 * prefers the other side than an earlier field reading the same attribute (neither protects it:
 * engine/attribute-sources.ts `compilePreferences`).
 */
export function checkPreferences(loaded: LoadedFile, config: RawConfig, parsed: ParsedConfig, analysisOf: (expr: ParsedExpression) => Analysis | undefined): Diagnostic[] {
  const prefer = config.sso?.prefer ?? {};
  const fields = Object.keys(config.profile ?? {});
  const diagnostics: Diagnostic[] = [];
  for (const field of Object.keys(prefer)) {
    if (Object.hasOwn(config.profile ?? {}, field)) continue;
    const span = loaded.spanAt(['sso', 'prefer', field], 'key');
    const help = didYouMean(field, fields) ?? `\`prefer:\` names profile fields: ${fields.map((f) => `\`${f}\``).join(', ')}`;
    diagnostics.push({ code: 'E201', severity: catalog.E201.severity, message: `\`sso.prefer\` names \`${field}\`, which is no profile field`, file: loaded.file, ...(span ? { span } : {}), help });
  }
  // Per attribute path, the first field that prefers a side for it.
  const first = new Map<string, { field: string; side: string }>();
  for (const field of Object.keys(prefer)) {
    const side = prefer[field];
    const expr = parsed.profile.find((p) => p.field === field)?.expr;
    const analysis = expr && analysisOf(expr);
    if ((side !== 'scim' && side !== 'login') || !expr || !analysis) continue;
    for (const path of readPaths(expr.ast, analysis)) {
      const earlier = first.get(path.toLowerCase());
      if (!earlier) {
        first.set(path.toLowerCase(), { field, side });
        continue;
      }
      if (earlier.side === side) continue;
      const span = loaded.spanAt(['sso', 'prefer', field], 'value');
      const other = loaded.spanAt(['sso', 'prefer', earlier.field], 'value');
      diagnostics.push({
        code: 'W404',
        severity: catalog.W404.severity,
        message: `\`${field}\` prefers \`${side}\` for \`${path}\`, which \`${earlier.field}\` prefers from \`${earlier.side}\``,
        file: loaded.file,
        ...(span ? { span } : {}),
        ...(other ? { labels: [{ span: other, message: `\`${earlier.field}\` reads \`${path}\` too` }] } : {}),
        notes: [`neither preference protects \`${path}\`: SCIM and logins overwrite it by turns, the most recent value wins`],
        help: 'let both fields prefer the same source, or drop one of the two entries',
      });
    }
  }
  return diagnostics;
}
