// The compiled plan of one tenant file and the result of evaluating it for one SCIM user.
// A Plan is frozen plain data plus closures; it never holds tenant input as code.

import type { Expr } from '../dsl/ast.ts';
import type { Analysis } from '../dsl/check.ts';
import type { Compiled, Scope } from '../dsl/types.ts';
import type { NextChange } from '../dsl/next-change.ts';
import type { AttributeModel } from './attribute-model.ts';
import type { RawExtensionSchema, RawFeed, RawTestCase } from './config.ts';

export type { Compiled, EvalContext } from '../dsl/types.ts';

export interface TokenRef {
  readonly sha256?: string;
  readonly env?: string;
}

export type ExtensionSchema = RawExtensionSchema;

/**
 * One compiled expression of the plan. Invariants: `analysis` is the checker's one analysis of
 * `ast` (its scope and expect included); `run` and `traced` are compiled from it, never from a
 * new analysis; `traced()` builds the explain closures on its first call and returns the same
 * closure afterwards.
 */
export interface PlanRule {
  /** The expression source as written in the tenant file. */
  readonly source: string;
  readonly ast: Expr;
  readonly analysis: Analysis;
  readonly run: Compiled;
  /** The closure that reports every sub-expression's value to `ctx.trace` (explain). */
  readonly traced: () => Compiled;
}

export interface GroupRule extends PlanRule {
  readonly group: string;
  /** No earlier rule names the same group, so a match cannot list the group twice. */
  readonly firstOfGroup: boolean;
}

/** A `tests:` case as written in the tenant file. */
export type TestCase = RawTestCase;

/**
 * Everything the server and the CLI need from one tenant file. Invariants: compiled only from
 * a file without errors; `hash` is the sha256 of the file's bytes and identifies the config
 * version in events; `key` is a single-valued attribute path over the SCIM user.
 */
export interface Plan {
  readonly tenant: string;
  readonly hash: string;
  readonly file: string;
  readonly timezone: string;
  readonly tokens: readonly TokenRef[];
  readonly key: PlanRule;
  /** Canonical name of the key attribute, e.g. `externalId` or `userName`. */
  readonly keyAttribute: string;
  readonly profile: readonly (PlanRule & { readonly field: string })[];
  /**
   * `nextChange` is set exactly when the condition depends on now()/today(): for one user, the
   * next instant its value can change (dsl/next-change.ts; engine/next-check.ts runs it).
   */
  readonly deactivate?: PlanRule & { readonly reactivate: boolean; readonly nextChange?: NextChange };
  readonly onDelete: 'keep' | 'deactivate';
  /** When a changed file reaches stored users: on their next request, or by a background re-evaluation. */
  readonly applyOnChange: 'next-sync' | 'now';
  readonly safety: SafetyLimit;
  /** The request-rate limit of the tenant's SCIM clients (the server enforces it). */
  readonly limits: RateLimit;
  readonly groups: readonly GroupRule[];
  readonly schemas: readonly ExtensionSchema[];
  /** The scope requests are read with: `model.user` (expressions were checked against its subset without profile sub-attributes). */
  readonly userScope: Scope;
  readonly profileScope: Scope;
  /** Every attribute the server accepts and returns, as /Schemas and /ResourceTypes advertise it. */
  readonly model: AttributeModel;
  readonly tests: readonly TestCase[];
  /** The `feeds:` of the file, compiled (engine/feed-plan.ts); empty when there are none. */
  readonly feeds: readonly FeedPlan[];
  /** The `sso:` section, when the tenant file has one (engine/login.ts reads it). */
  readonly sso?: SsoPlan;
}

/** One step of an `sso.claims` target: `emails[type eq "work"]` is `{ name: 'emails', match: { attribute: 'type', value: 'work' } }`. */
export interface ClaimTargetStep {
  readonly name: string;
  readonly match?: { readonly attribute: string; readonly value: string };
}

/**
 * Where a value goes in the SCIM user (a login claim, a feed mapping; engine/write-at.ts writes
 * it). Invariant: the path was checked against the tenant's User scope.
 */
export interface AttributeTarget {
  /** As written in the tenant file, e.g. `enterprise.department`. */
  readonly written: string;
  /** The canonical URN of an extension, whose values live under `user[urn]`. */
  readonly urn?: string;
  readonly steps: readonly ClaimTargetStep[];
}

/** Where one claim goes in the SCIM user. */
export interface ClaimTarget extends AttributeTarget {
  readonly claim: string;
  /** The target holds a list (a multi-valued attribute without a filter). */
  readonly multi: boolean;
}

/** The side a `sso.prefer` entry names: the provisioning side (SCIM requests and feeds) or logins. */
export type PreferredSide = 'scim' | 'login';

/** `sso.prefer` compiled (engine/attribute-sources.ts): lower-cased attribute path -> the side whose value it keeps. */
export type Preferences = Readonly<Record<string, PreferredSide>>;

/** The compiled `sso:` section. `algorithms` never holds `none`. */
export interface SsoPlan {
  readonly protocol: 'oidc' | 'saml';
  readonly tokens: readonly TokenRef[];
  readonly issuer?: string;
  readonly audience?: string;
  readonly algorithms: readonly string[];
  readonly keys?: { readonly jwksUrl?: string; readonly jwks?: readonly Readonly<Record<string, unknown>>[] };
  readonly targets: readonly ClaimTarget[];
  readonly preferences: Preferences;
}

/**
 * At most `maxDeactivations` deactivations per sliding window of `perMs`; more are held
 * (status `pending`) until approved. `per` is the duration as written (`1h`).
 */
export interface SafetyLimit {
  readonly maxDeactivations: number;
  readonly per: string;
  readonly perMs: number;
}

/**
 * A token bucket: `burst` requests at once, refilled at `requestsPerSecond`. Both are whole
 * numbers >= 1 (the schema says so); `burst` defaults to twice `requestsPerSecond`.
 */
export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly burst: number;
}

export interface TraceEntry {
  /** `key`, `profile.<field>`, `deactivate.when`, or `groups[<i>] <group>`. */
  readonly clause: string;
  readonly source: string;
  readonly value: unknown;
  /** Sub-expressions in evaluation order: the text of each and the value it had. */
  readonly parts: readonly { readonly source: string; readonly value: unknown }[];
}

export interface Evaluation {
  readonly key: string | null;
  readonly profile: Readonly<Record<string, string | number | boolean | null>>;
  readonly deactivated: boolean;
  readonly groups: readonly string[];
  readonly trace: readonly TraceEntry[];
}

/**
 * Where a mapping writes in the SCIM user: an AttributeTarget whose steps each name a
 * single-valued attribute or, with `match`, one element of a multi-valued one
 * (`emails[type eq "work"].value` writes `{type: "work", value}`).
 */
export type FeedTarget = AttributeTarget;

/** A source threshold: at most `count` records, or at most `percent` of the tenant's accounts. */
export type FeedThreshold = { readonly count: number } | { readonly percent: number };

/**
 * One feed of the plan. `mapping` is empty for `scim-bulk` (its records are SCIM users already);
 * for csv and jsonl it sets the tenant's key attribute (E011 otherwise). `collapse` absent
 * means the last row of a key wins.
 */
export interface FeedPlan {
  readonly name: string;
  /** Tokens that may post to this feed (hashes or environment variables, as the tenant's). */
  readonly tokens: readonly TokenRef[];
  readonly format: Required<RawFeed['format']>;
  readonly columns: readonly string[];
  readonly mapping: readonly (PlanRule & { readonly target: FeedTarget })[];
  /** The `schemas` of a user a row gives: the core User schema, then each extension the mapping writes. */
  readonly userSchemas: readonly string[];
  readonly collapse?: PlanRule & { readonly keep: 'highest' | 'lowest'; readonly missing: 'highest' | 'lowest' };
  readonly thresholds: {
    readonly creates?: FeedThreshold;
    readonly deactivations?: FeedThreshold;
    readonly changedKeys?: FeedThreshold;
  };
  readonly rejectFile: boolean;
}
