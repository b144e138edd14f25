// Server: names in a client's request -> the definitions of the tenant's User scope: attributes
// (case-insensitive), extension namespaces by URN or alias, full-URN keys split into their parts.

import type { AttributeDef, Namespace, Scope } from '../../dsl/types.ts';
import { CORE_USER_URN, SCIMPLAN_URN } from '../../engine/scim-schemas.ts';

/** The definition named `name` (case-insensitive) among `defs`; undefined for an unknown name. */
export function attributeNamed(defs: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  if (!defs) return undefined;
  let index = BY_LOWER_NAME.get(defs);
  if (!index || index.length !== defs.length) {
    const byName = new Map<string, AttributeDef>();
    // The first definition of a name wins, as a search in order finds it.
    for (const d of defs) if (!byName.has(d.name.toLowerCase())) byName.set(d.name.toLowerCase(), d);
    BY_LOWER_NAME.set(defs, (index = { length: defs.length, byName }));
  }
  return index.byName.get(name.toLowerCase());
}

/**
 * The definitions of a list by lower-case name, built on the first look-up (and again if the
 * list grew): a tenant's scope is fixed once compiled, and every request looks names up in it.
 */
const BY_LOWER_NAME = new WeakMap<readonly AttributeDef[], { readonly length: number; readonly byName: Map<string, AttributeDef> }>();

/**
 * The namespace whose URN (or alias) is `name`, case-insensitive. The core User URN is a
 * namespace of its own whose attributes are the core attributes.
 */
export function findNamespace(scope: Scope, name: string): Namespace | undefined {
  const lower = name.toLowerCase();
  if (lower === CORE_USER_LOWER) return { urn: CORE_USER_URN, aliases: [], attributes: scope.attributes };
  return namespaceIndex(scope).byName.get(lower);
}

/** The extension namespace (by URN only) that `key` names exactly. */
export function extensionByUrn(scope: Scope, key: string): Namespace | undefined {
  return namespaceIndex(scope).byUrn.get(key.toLowerCase());
}

const CORE_USER_LOWER = CORE_USER_URN.toLowerCase();

interface NamespaceIndex {
  readonly of: readonly Namespace[];
  readonly length: number;
  /** By lower-case URN or alias: the first namespace, in order, that has it. */
  readonly byName: Map<string, Namespace>;
  /** By lower-case URN only. */
  readonly byUrn: Map<string, Namespace>;
}

/** A scope's namespaces by name, built on the first look-up (and again if its list changed). */
function namespaceIndex(scope: Scope): NamespaceIndex {
  const known = NAMESPACES.get(scope);
  if (known && known.of === scope.namespaces && known.length === scope.namespaces.length) return known;
  const byName = new Map<string, Namespace>();
  const byUrn = new Map<string, Namespace>();
  for (const n of scope.namespaces) {
    if (!byUrn.has(n.urn.toLowerCase())) byUrn.set(n.urn.toLowerCase(), n);
    for (const name of [n.urn, ...n.aliases]) if (!byName.has(name.toLowerCase())) byName.set(name.toLowerCase(), n);
  }
  const index = { of: scope.namespaces, length: scope.namespaces.length, byName, byUrn };
  NAMESPACES.set(scope, index);
  return index;
}

const NAMESPACES = new WeakMap<Scope, NamespaceIndex>();

/**
 * `urn:...:enterprise:2.0:User:department` -> that namespace and `department`. The longest
 * matching URN wins; the core User URN counts. Undefined when `key` starts with no known URN.
 */
export function splitUrnKey(scope: Scope, key: string): { urn: string; namespace: Namespace | undefined; rest: string } | undefined {
  const lower = key.toLowerCase();
  let best: { urn: string; namespace: Namespace | undefined; rest: string } | undefined;
  const candidates: { urn: string; namespace: Namespace | undefined }[] = [
    { urn: CORE_USER_URN, namespace: undefined },
    { urn: SCIMPLAN_URN, namespace: undefined },
    ...scope.namespaces.map((n) => ({ urn: n.urn, namespace: n })),
  ];
  for (const c of candidates) {
    const prefix = `${c.urn.toLowerCase()}:`;
    if (lower.startsWith(prefix) && key.length > prefix.length && (!best || c.urn.length > best.urn.length)) {
      best = { urn: c.urn, namespace: c.namespace, rest: key.slice(prefix.length) };
    }
  }
  return best;
}

/** scimplan's own extension: read-only, writes to it are ignored. */
export function isScimplanUrn(urn: string): boolean {
  return urn.toLowerCase() === SCIMPLAN_URN.toLowerCase();
}
