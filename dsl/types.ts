// Static types of the expression language and the attribute model names resolve against.
// The SCIM schemas themselves are data (schemas/); the engine turns them into a Scope.

/** RFC 7643 §2.3 attribute data types. */
export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'reference'
  | 'binary'
  | 'complex';

/** One attribute definition, as in an RFC 7643 §7 schema resource. */
export interface AttributeDef {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly caseExact: boolean;
  readonly mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  readonly uniqueness: 'none' | 'server' | 'global';
  readonly required?: boolean;
  /** RFC 7643 §2.2 `returned`; absent means `default`. */
  readonly returned?: 'always' | 'never' | 'default' | 'request';
  readonly description?: string;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDef[];
  /** Set on attributes that hold a photo or other binary media (`photos`, `x509Certificates`). */
  readonly media?: 'photo' | 'certificate';
  /** Set when the value's type is not known (a profile field whose mapping has errors): it checks as `any`. */
  readonly untyped?: true;
}

/** Attributes reachable through a schema URN, and the short aliases that name it. */
export interface Namespace {
  readonly urn: string;
  /** Lowercase-insensitive aliases, e.g. `enterprise` or a tenant's `acme`. */
  readonly aliases: readonly string[];
  readonly attributes: readonly AttributeDef[];
}

/**
 * What names mean inside one expression.
 * - `scim`: the root is a SCIM User resource. Top-level names are core attributes; an alias or a
 *   full URN reaches an extension's attributes, stored at runtime under `root[urn]`.
 * - `profile`: the root is the mapped profile (group rules). Names are profile fields; SCIM
 *   attribute names are reported with a hint to map them first (see `scimAttributes`).
 */
export interface Scope {
  readonly kind: 'scim' | 'profile';
  /**
   * `scim` scope only, optional: the URN of the schema whose attributes are `attributes` (the
   * core User schema), so that a full URN path through it names a top-level attribute.
   */
  readonly urn?: string;
  readonly attributes: readonly AttributeDef[];
  readonly namespaces: readonly Namespace[];
  /** Profile scope only: the SCIM attribute names, to tell "map it first" from "unknown". */
  readonly scimAttributes?: readonly string[];
}

/**
 * A static type. `multi` means the value is a list at runtime (a multi-valued attribute, or a
 * path through one). `picked` marks a value path with a filter followed by a sub-attribute
 * (`emails[type eq "work"].value`): a list at runtime whose first element is what a mapping
 * stores, so it counts as reduced to one scalar.
 */
export type Type =
  | { readonly kind: 'string'; readonly caseExact?: boolean; readonly multi?: boolean; readonly picked?: boolean; readonly media?: 'photo' | 'certificate' }
  | { readonly kind: 'number'; readonly multi?: boolean; readonly picked?: boolean }
  | { readonly kind: 'boolean'; readonly multi?: boolean; readonly picked?: boolean }
  | { readonly kind: 'dateTime'; readonly multi?: boolean; readonly picked?: boolean }
  | { readonly kind: 'reference'; readonly multi?: boolean; readonly picked?: boolean; readonly media?: 'photo' | 'certificate' }
  | { readonly kind: 'binary'; readonly multi?: boolean; readonly picked?: boolean; readonly media?: 'photo' | 'certificate' }
  | { readonly kind: 'complex'; readonly attribute?: AttributeDef; readonly multi?: boolean; readonly picked?: boolean; readonly media?: 'photo' | 'certificate' }
  | { readonly kind: 'list'; readonly of: Type }
  | { readonly kind: 'null' }
  /** Unknown after an earlier error: accepted everywhere so one mistake is reported once. */
  | { readonly kind: 'any' };

/** What a compiled closure receives. */
export interface EvalContext {
  /** The SCIM user resource (profile/deactivate/key) or the mapped profile (groups). */
  readonly root: Readonly<Record<string, unknown>>;
  readonly now: Date;
  /** IANA time zone of the tenant, for today() and date(). */
  readonly timezone: string;
  /** When set (explain), traced closures report each sub-expression's value here. */
  readonly trace?: (span: import('./ast.ts').Span, value: unknown) => void;
  /**
   * Profile scope only, optional: the root's values in `scope.attributes` order with every
   * string lowercased. Group rules then read a field by index and compare case-insensitively
   * without lowercasing it once per rule; other values are read from `root`. When set, it must
   * agree with `root`.
   */
  readonly folded?: readonly unknown[];
}

/** A compiled expression. Conditions return a boolean (null counts as false). */
export type Compiled = (ctx: EvalContext) => unknown;
