// Engine: the attribute model of one tenant (every attribute a User or Group resource carries,
// with its RFC 7643 §7 characteristics) and the /Schemas and /ResourceTypes resources made from it.

import type { AttributeDef, Namespace, Scope } from '../dsl/types.ts';
import {
  CORE_USER_URN,
  ENTERPRISE_URN,
  GROUP_URN,
  SCIMPLAN_URN,
  enterpriseSchemaResource,
  groupAttributes,
  groupSchemaResource,
  scimplanSchemaResource,
  userSchemaResource,
  type SchemaAttributeResource,
  type SchemaResource,
} from './scim-schemas.ts';
import { deepFreeze } from './freeze.ts';

export const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

/** RFC 7643 §3.1 common attributes: on every resource, listed in no schema resource. */
export const COMMON_ATTRIBUTES: readonly string[] = Object.freeze(['id', 'externalId', 'meta']);

/** An RFC 7643 §6 resource type, without its `meta` (the location depends on the base URL). */
export interface ResourceTypeResource {
  readonly schemas: readonly string[];
  readonly id: 'User' | 'Group';
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}

/**
 * What the server knows of every attribute it accepts and returns, for one tenant. Invariants:
 * `user` is the scope requests are read with (core User with the common attributes, then the
 * enterprise, scimplan and declared extensions as namespaces), and the scimplan extension's
 * `profile` holds one read-only sub-attribute per profile field, typed as its mapping; `group`
 * likewise for Groups; `schemas` and `resourceTypes` are generated from those two scopes and
 * nothing else, so /Schemas advertises exactly what the server uses.
 */
export interface AttributeModel {
  readonly user: Scope;
  readonly group: Scope;
  /** Core User, enterprise, scimplan, the declared extensions (file order), core Group; `meta.location` is relative (`/Schemas/<id>`). */
  readonly schemas: readonly SchemaResource[];
  readonly resourceTypes: readonly ResourceTypeResource[];
}

/** The scope of Group requests: the core Group attributes plus the common ones. */
export const groupScope: Scope = Object.freeze({ kind: 'scim', attributes: groupAttributes, namespaces: Object.freeze([]) });

/**
 * The model of a tenant whose expressions resolve against `userScope` (buildUserScope) and whose
 * profile fields are `profileFields` (the profile scope's attributes, typed by their mappings).
 */
export function buildAttributeModel(userScope: Scope, profileFields: readonly AttributeDef[]): AttributeModel {
  const user: Scope = Object.freeze({
    ...userScope,
    namespaces: Object.freeze(userScope.namespaces.map((ns) => (ns.urn === SCIMPLAN_URN ? withProfile(ns, profileFields) : ns))),
  });
  const coreUser = schemaOf(CORE_USER_URN, userSchemaResource.name, userSchemaResource.description, user.attributes.filter((a) => !COMMON_ATTRIBUTES.includes(a.name)));
  const extensions = user.namespaces.map((ns) => {
    const known = ns.urn === ENTERPRISE_URN ? enterpriseSchemaResource : ns.urn === SCIMPLAN_URN ? scimplanSchemaResource : undefined;
    const name = known?.name ?? ns.aliases[0] ?? ns.urn.split(':').at(-2) ?? ns.urn;
    return schemaOf(ns.urn, name, known?.description ?? 'Extension attributes declared by the tenant file', ns.attributes);
  });
  const group = schemaOf(GROUP_URN, groupSchemaResource.name, groupSchemaResource.description, groupAttributes.filter((a) => !COMMON_ATTRIBUTES.includes(a.name)));
  const resourceTypes: ResourceTypeResource[] = [
    {
      schemas: [RESOURCE_TYPE_URN],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: CORE_USER_URN,
      schemaExtensions: user.namespaces.map((ns) => ({ schema: ns.urn, required: false })),
    },
    { schemas: [RESOURCE_TYPE_URN], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: GROUP_URN, schemaExtensions: [] },
  ];
  return Object.freeze({ user, group: groupScope, schemas: deepFreeze([coreUser, ...extensions, group]), resourceTypes: deepFreeze(resourceTypes) });
}

/** The scimplan namespace with the tenant's profile fields as the sub-attributes of `profile`. */
function withProfile(ns: Namespace, fields: readonly AttributeDef[]): Namespace {
  const subAttributes = Object.freeze(
    fields.map((f): AttributeDef =>
      Object.freeze({
        name: f.name,
        type: f.untyped ? 'string' : f.type,
        multiValued: false,
        caseExact: false,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
        required: false,
        description: `The profile field \`${f.name}\` as the tenant file maps it.`,
      }),
    ),
  );
  return Object.freeze({ ...ns, attributes: Object.freeze(ns.attributes.map((a) => (a.name === 'profile' ? Object.freeze({ ...a, subAttributes }) : a))) });
}

function schemaOf(id: string, name: string, description: string, attributes: readonly AttributeDef[]): SchemaResource {
  return { schemas: [SCHEMA_URN], id, name, description, attributes: attributes.map(schemaAttribute), meta: { resourceType: 'Schema', location: `/Schemas/${id}` } };
}

/**
 * One attribute as RFC 7643 §7 serves it, every characteristic explicit (a strict client reads
 * no defaults): `subAttributes` on complex attributes, `referenceTypes` on references
 * (`external` when the schema names none).
 */
export function schemaAttribute(def: AttributeDef): SchemaAttributeResource {
  return {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued,
    description: def.description ?? '',
    required: def.required ?? false,
    caseExact: def.caseExact,
    ...(def.canonicalValues ? { canonicalValues: [...def.canonicalValues] } : {}),
    ...(def.type === 'reference' ? { referenceTypes: [...(def.referenceTypes ?? ['external'])] } : {}),
    mutability: def.mutability,
    returned: def.returned ?? 'default',
    uniqueness: def.uniqueness,
    ...(def.type === 'complex' ? { subAttributes: (def.subAttributes ?? []).map(schemaAttribute) } : {}),
  };
}
