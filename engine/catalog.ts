// The diagnostic catalog: every code scimplan can report, its severity and a short slug.
// docs/diagnostics.md documents each entry and examples/invalid/<CODE>-<slug>/ shows it.

import type { Severity } from './diagnostic.ts';

export interface CatalogEntry {
  readonly severity: Severity;
  readonly slug: string;
  readonly title: string;
}

export const catalog = {
  E001: { severity: 'error', slug: 'yaml-syntax', title: 'the file is not valid YAML' },
  E002: { severity: 'error', slug: 'unknown-key', title: 'a key the tenant file does not know' },
  E003: { severity: 'error', slug: 'missing-key', title: 'a required key is missing' },
  E004: { severity: 'error', slug: 'wrong-type', title: 'a value of the wrong type' },
  E005: { severity: 'error', slug: 'duplicate-key', title: 'the same key twice in one mapping' },
  E006: { severity: 'error', slug: 'plaintext-token', title: 'a token in plain text' },
  E007: { severity: 'error', slug: 'bad-tenant-id', title: 'a tenant id that cannot be a URL segment' },
  E008: { severity: 'error', slug: 'duplicate-tenant', title: 'two files declare the same tenant' },
  E009: { severity: 'error', slug: 'unknown-timezone', title: 'a time zone that is not an IANA zone' },
  E010: { severity: 'error', slug: 'bad-extension', title: 'an extension schema that cannot be used' },
  E011: { severity: 'error', slug: 'bad-feed', title: 'a feed that cannot be imported' },
  E101: { severity: 'error', slug: 'syntax', title: 'an expression that does not parse' },
  E102: { severity: 'error', slug: 'foreign-syntax', title: 'syntax from another language' },
  E103: { severity: 'error', slug: 'limit', title: 'an expression beyond a size limit' },
  E201: { severity: 'error', slug: 'unknown-name', title: 'an unknown attribute or profile field' },
  E202: { severity: 'error', slug: 'unknown-function', title: 'an unknown function' },
  E203: { severity: 'error', slug: 'arity', title: 'the wrong number of arguments' },
  E204: { severity: 'error', slug: 'type-mismatch', title: 'an argument or operand of the wrong type' },
  E205: { severity: 'error', slug: 'not-boolean', title: 'a condition that is not boolean' },
  E206: { severity: 'error', slug: 'unsupported', title: 'a construct that is not supported here' },
  W207: { severity: 'warning', slug: 'never-equal', title: 'a comparison that can never hold' },
  W208: { severity: 'warning', slug: 'entra-switch-order', title: 'a `Switch` call in Entra ID\'s argument order' },
  E301: { severity: 'error', slug: 'date-mapping', title: 'a profile field mapped to a date or time' },
  E302: { severity: 'error', slug: 'photo-mapping', title: 'a profile field mapped to a photo or certificate' },
  E303: { severity: 'error', slug: 'not-scalar', title: 'a profile field mapped to a multi-valued or complex value' },
  E304: { severity: 'error', slug: 'binary-mapping', title: 'a profile field mapped to binary data' },
  E401: { severity: 'error', slug: 'bad-key', title: 'a mapping key that is not one single-valued attribute' },
  W402: { severity: 'warning', slug: 'mutable-key', title: 'a mapping key that can change' },
  W403: { severity: 'warning', slug: 'login-name-key', title: 'a mapping key filled from a login name claim' },
  W404: { severity: 'warning', slug: 'conflicting-preference', title: 'two profile fields that read one attribute prefer different sources' },
  E501: { severity: 'error', slug: 'scim-attribute-in-group-rule', title: 'a group rule that names a SCIM attribute' },
  W502: { severity: 'warning', slug: 'group-rule-never-holds', title: 'a group rule that can never hold' },
  W503: { severity: 'warning', slug: 'duplicate-group-rule', title: 'the same group rule twice' },
  I601: { severity: 'info', slug: 'active-false-unassigned', title: 'deactivation on `active eq false` also fires on unassignment' },
  E602: { severity: 'error', slug: 'bad-test', title: 'a test case that cannot run' },
  E603: { severity: 'error', slug: 'deactivation-by-absence', title: 'a deactivation condition that holds when a value is missing' },
} as const satisfies Record<string, CatalogEntry>;

export type Code = keyof typeof catalog;

export function severityOf(code: Code): Severity {
  return catalog[code].severity;
}
