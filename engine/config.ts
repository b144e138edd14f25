// The tenant-file contract as plain data: what validateShape hands to the later stages
// (RawConfig and its parts), shaped as schemas/tenant.schema.json says.

export type RawToken = { readonly sha256: string } | { readonly env: string };

export interface RawExtensionSchema {
  readonly urn: string;
  readonly alias?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface RawGroupRule {
  readonly group: string;
  readonly when: string;
}

export interface RawTestCase {
  readonly name: string;
  readonly now?: string;
  readonly user: Readonly<Record<string, unknown>>;
  readonly expect: {
    readonly deactivated?: boolean;
    readonly groups?: readonly string[];
    readonly profile?: Readonly<Record<string, unknown>>;
    readonly key?: unknown;
  };
}

/** The `sso:` section (login-time sync, docs/sso.md): claim name -> SCIM attribute path. */
export interface RawSso {
  readonly protocol: 'oidc' | 'saml';
  readonly tokens: readonly RawToken[];
  readonly issuer?: string;
  readonly audience?: string;
  readonly algorithms?: readonly string[];
  readonly keys?: { readonly jwksUrl?: string; readonly jwks?: readonly Readonly<Record<string, unknown>>[] };
  readonly claims: Readonly<Record<string, string>>;
  /** Profile field -> which source wins its attributes when both send one (default `latest`). */
  readonly prefer?: Readonly<Record<string, 'scim' | 'login' | 'latest'>>;
}

/** A source threshold: a count of records, or a percentage of the tenant's accounts (`"10%"`). */
export type RawThreshold = number | string;

/** One `feeds:` entry: a source that is not SCIM, mapped onto a SCIM user (docs/feeds.md). */
export interface RawFeed {
  readonly name: string;
  /** Tokens that may post to this feed over HTTP, besides the admin token. */
  readonly tokens?: readonly RawToken[];
  readonly format: {
    readonly type: 'csv' | 'jsonl' | 'scim-bulk';
    readonly delimiter?: string;
    readonly header?: boolean;
    readonly encoding?: 'utf-8' | 'latin1';
  };
  readonly columns?: readonly string[];
  /** SCIM attribute path -> expression over the columns; paths `['feeds', i, 'mapping', target]`. */
  readonly mapping?: Readonly<Record<string, string>>;
  /** Path `['feeds', i, 'collapse', 'by']`. */
  readonly collapse?: { readonly by: string; readonly keep?: 'highest' | 'lowest'; readonly missing?: 'highest' | 'lowest' };
  readonly thresholds?: { readonly creates?: RawThreshold; readonly deactivations?: RawThreshold; readonly changedKeys?: RawThreshold };
  readonly rejectFile?: boolean;
}

/**
 * A tenant file as plain data, shaped as schemas/tenant.schema.json says. Expressions are still
 * strings here; `parseExpressions` finds their positions through `LoadedFile.expressionAt`
 * with the same paths (`['profile', field]`, `['deactivate', 'when']`, `['groups', i, 'when']`, `['key']`).
 */
export interface RawConfig {
  readonly tenant: string;
  readonly tokens: readonly RawToken[];
  readonly timezone?: string;
  readonly key: string;
  readonly schemas?: readonly RawExtensionSchema[];
  readonly profile: Readonly<Record<string, string>>;
  readonly deactivate?: { readonly when: string; readonly reactivate?: boolean };
  readonly onDelete?: 'keep' | 'deactivate';
  readonly applyOnChange?: 'next-sync' | 'now';
  readonly safety?: { readonly maxDeactivations?: number; readonly per?: string };
  readonly limits?: { readonly requestsPerSecond?: number; readonly burst?: number };
  readonly groups?: readonly RawGroupRule[];
  readonly sso?: RawSso;
  readonly feeds?: readonly RawFeed[];
  readonly tests?: readonly RawTestCase[];
}

/** A tenant id: the URL segment of the tenant (lowercase letters, digits and hyphens). */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
