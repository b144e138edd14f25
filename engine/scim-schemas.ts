// SCIM schemas as the engine sees them: the RFC 7643 schema resources in schemas/scim/ turned
// into AttributeDefs, and the Scopes that expressions of a tenant file resolve names against.

import type { AttributeDef, AttributeType, Namespace, Scope } from '../dsl/types.ts';
import type { RawExtensionSchema } from './config.ts';
import enterpriseJson from '../schemas/scim/enterprise-user.json' with { type: 'json' };
import groupJson from '../schemas/scim/group.json' with { type: 'json' };
import scimplanJson from '../schemas/scim/scimplan-user.json' with { type: 'json' };
import userJson from '../schemas/scim/user.json' with { type: 'json' };
import { deepFreeze } from './freeze.ts';

/** One attribute of an RFC 7643 §7 schema resource, as JSON. */
export interface SchemaAttributeResource {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description?: string;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly mutability?: AttributeDef['mutability'];
  readonly returned?: 'always' | 'never' | 'default' | 'request';
  readonly uniqueness?: AttributeDef['uniqueness'];
  readonly subAttributes?: readonly SchemaAttributeResource[];
}

/** An RFC 7643 §7 schema resource, as served on `/Schemas`. */
export interface SchemaResource {
  readonly schemas: readonly string[];
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly SchemaAttributeResource[];
  readonly meta: { readonly resourceType: string; readonly location: string };
}

/** A schema resource of schemas/scim/ (imported as JSON, so that the engine also runs in a browser). */
function load(json: unknown): SchemaResource {
  return deepFreeze(structuredClone(json) as SchemaResource);
}

/** The core User schema (RFC 7643 §4.1); a full URN path through it names a core attribute. */
export const CORE_USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** The enterprise User extension (RFC 7643 §4.3), alias `enterprise`. */
export const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** The core Group schema (RFC 7643 §4.2). */
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** scimplan's read-only User extension (status, deactivatedAt, reason, profile). */
export const SCIMPLAN_URN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';

/** The RFC 7643 §8.7.1 / §8.7.2 schema resources plus scimplan's read-only extension. */
export const userSchemaResource: SchemaResource = load(userJson);
export const enterpriseSchemaResource: SchemaResource = load(enterpriseJson);
export const groupSchemaResource: SchemaResource = load(groupJson);
export const scimplanSchemaResource: SchemaResource = load(scimplanJson);
export const schemaResources: readonly SchemaResource[] = Object.freeze([
  userSchemaResource,
  enterpriseSchemaResource,
  groupSchemaResource,
  scimplanSchemaResource,
]);

const media: Readonly<Record<string, AttributeDef['media']>> = { photos: 'photo', x509Certificates: 'certificate' };

/** Converts a schema resource attribute, filling RFC 7643 §7 defaults (caseExact false, readWrite, none; `returned` absent means default). */
export function toAttributeDef(a: SchemaAttributeResource, top = true): AttributeDef {
  const m = top ? media[a.name] : undefined;
  return Object.freeze({
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    caseExact: a.caseExact ?? false,
    mutability: a.mutability ?? 'readWrite',
    uniqueness: a.uniqueness ?? 'none',
    ...(a.required !== undefined ? { required: a.required } : {}),
    ...(a.returned !== undefined ? { returned: a.returned } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.canonicalValues ? { canonicalValues: Object.freeze([...a.canonicalValues]) } : {}),
    ...(a.referenceTypes ? { referenceTypes: Object.freeze([...a.referenceTypes]) } : {}),
    ...(a.subAttributes ? { subAttributes: Object.freeze(a.subAttributes.map((s) => toAttributeDef(s, false))) } : {}),
    ...(m ? { media: m } : {}),
  });
}

/**
 * RFC 7643 §3.1 common attributes. They belong to every resource, not to a schema, so the
 * schema resources leave them out; expressions (and the key, usually `externalId`) need them.
 */
const commonAttributes: readonly AttributeDef[] = Object.freeze([
  toAttributeDef({ name: 'id', type: 'string', multiValued: false, caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server', description: 'A unique identifier for the resource, assigned by the service provider.' }),
  toAttributeDef({ name: 'externalId', type: 'string', multiValued: false, caseExact: true, mutability: 'readWrite', uniqueness: 'none', description: 'An identifier for the resource as defined by the provisioning client.' }),
  toAttributeDef({
    name: 'meta', type: 'complex', multiValued: false, mutability: 'readOnly', description: 'Resource metadata.',
    subAttributes: [
      { name: 'resourceType', type: 'string', multiValued: false, caseExact: true, mutability: 'readOnly' },
      { name: 'created', type: 'dateTime', multiValued: false, mutability: 'readOnly' },
      { name: 'lastModified', type: 'dateTime', multiValued: false, mutability: 'readOnly' },
      { name: 'location', type: 'reference', multiValued: false, caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] },
      { name: 'version', type: 'string', multiValued: false, caseExact: true, mutability: 'readOnly' },
    ],
  }),
]);

/**
 * §8.7.1 lists no `primary` for `addresses`, yet §2.4 makes `primary` a default sub-attribute of
 * multi-valued attributes, §4.1.2 describes it and the §8.2 example (like Entra and Okta) sends
 * it. The attribute model (and so `/Schemas`) includes it; schemas/scim/user.json stays as the RFC prints it.
 */
function withAddressPrimary(a: AttributeDef): AttributeDef {
  if (a.name !== 'addresses' || a.subAttributes?.some((s) => s.name === 'primary')) return a;
  const primary = toAttributeDef({
    name: 'primary', type: 'boolean', multiValued: false, required: false, mutability: 'readWrite',
    description: "A Boolean value indicating the 'primary' or preferred address. The value 'true' appears at most once.",
  }, false);
  return Object.freeze({ ...a, subAttributes: Object.freeze([...(a.subAttributes ?? []), primary]) });
}

/** Core User attributes (RFC 7643 §4.1) plus the common `id`, `externalId` and `meta`. */
export const coreUserAttributes: readonly AttributeDef[] = Object.freeze([
  ...commonAttributes,
  ...userSchemaResource.attributes.map((a) => withAddressPrimary(toAttributeDef(a))),
]);

/**
 * §8.7.1 prints `displayName` with `required: false`, but §4.2 makes it REQUIRED (and the server
 * refuses a Group without one); §4.2 also describes the `display` of a member, which the server
 * returns (the member's userName). The served resource follows what the server does.
 */
function groupAsServed(a: AttributeDef): AttributeDef {
  if (a.name === 'displayName') return Object.freeze({ ...a, required: true });
  if (a.name !== 'members' || a.subAttributes?.some((s) => s.name === 'display')) return a;
  const display = toAttributeDef({
    name: 'display', type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readOnly', returned: 'default', uniqueness: 'none',
    description: "A human-readable name for the member: the user's `userName`. Read-only: the server fills it in.",
  }, false);
  return Object.freeze({ ...a, subAttributes: Object.freeze([...(a.subAttributes ?? []), display]) });
}

/** Group attributes (RFC 7643 §4.2) plus the common attributes. */
export const groupAttributes: readonly AttributeDef[] = Object.freeze([
  ...commonAttributes,
  ...groupSchemaResource.attributes.map((a) => groupAsServed(toAttributeDef(a))),
]);

/** The enterprise extension (RFC 7643 §4.3), reachable as `enterprise.` or by its URN. */
export const enterpriseNamespace: Namespace = Object.freeze({
  urn: ENTERPRISE_URN,
  aliases: Object.freeze(['enterprise']),
  attributes: Object.freeze(enterpriseSchemaResource.attributes.map((a) => toAttributeDef(a))),
});

/** scimplan's read-only view of the user (status, deactivatedAt, reason, profile), by URN only. */
export const scimplanNamespace: Namespace = Object.freeze({
  urn: SCIMPLAN_URN,
  aliases: Object.freeze([]),
  attributes: Object.freeze(scimplanSchemaResource.attributes.map((a) => toAttributeDef(a))),
});

/** The simple types a tenant may declare for an extension attribute. */
export const declarableTypes: readonly AttributeType[] = Object.freeze([
  'string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary',
]);

/**
 * The scope of expressions over the SCIM user: core, enterprise, scimplan and the tenant's
 * declared extensions. Declared attributes are single-valued, readWrite and caseExact false.
 * A type that is not one of `declarableTypes` (already reported as E010) counts as `string`,
 * so that one mistake does not also make every use of the attribute unknown.
 */
export function buildUserScope(extensions: readonly RawExtensionSchema[]): Scope {
  const declared: Namespace[] = extensions.map((ext) =>
    Object.freeze({
      urn: ext.urn,
      // An alias that is not text (`alias: 1`, already reported by the shape check) names nothing.
      aliases: Object.freeze(typeof ext.alias === 'string' && ext.alias ? [ext.alias] : []),
      attributes: Object.freeze(
        Object.entries(ext.attributes).map(([name, type]) =>
          Object.freeze({
            name,
            type: (declarableTypes as readonly string[]).includes(type) ? (type as AttributeType) : 'string',
            multiValued: false,
            caseExact: false,
            mutability: 'readWrite',
            uniqueness: 'none',
          } satisfies AttributeDef),
        ),
      ),
    }),
  );
  return Object.freeze({
    kind: 'scim',
    urn: CORE_USER_URN,
    attributes: coreUserAttributes,
    namespaces: Object.freeze([enterpriseNamespace, scimplanNamespace, ...declared]),
  });
}

/**
 * The scope of group rules: the profile fields (with the types their mappings produce) and,
 * to tell "map it first" from "unknown", the SCIM attribute names.
 */
export function buildProfileScope(
  fields: readonly { name: string; def: AttributeDef }[],
  scimNames: readonly string[],
): Scope {
  return Object.freeze({
    kind: 'profile',
    attributes: Object.freeze(fields.map((f) => (f.def.name === f.name ? f.def : Object.freeze({ ...f.def, name: f.name })))),
    namespaces: Object.freeze([]),
    scimAttributes: Object.freeze([...scimNames]),
  });
}

/** Every name of a SCIM attribute an expression could mean: core names, aliases, extension names. */
export function scimAttributeNames(scope: Scope): string[] {
  const names = new Set<string>();
  for (const a of scope.attributes) names.add(a.name);
  for (const ns of scope.namespaces) {
    for (const alias of ns.aliases) names.add(alias);
    for (const a of ns.attributes) names.add(a.name);
  }
  return [...names];
}
