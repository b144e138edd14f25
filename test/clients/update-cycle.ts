// Clients: the comparison an identity provider makes in its update cycle. It GETs the user it
// provisioned and compares, attribute by attribute, what it would send with what it reads; any
// difference makes it PATCH again (Entra, on every cycle, until the job is quarantined).

import { expect } from 'vitest';
import type { TestApp } from '../server/helpers.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the server owns on every resource, and its own extension: never compared. */
const SERVER_OWNED = new Set(['id', 'meta', 'schemas', 'groups', 'password']);
const isServerOwned = (key: string) => SERVER_OWNED.has(key) || key.includes(':scimplan:');

/**
 * The paths where `read` does not show `want`: values compared case-sensitively and by type (a
 * boolean is not the string "true"), objects member by member, multi-valued attributes element
 * by element in order. An empty list or a null wanted is an absent value. Attributes `read` has
 * and `want` does not are differences too ("added by the server"), outside what the server owns.
 */
export function changesNeeded(want: unknown, read: unknown, path = ''): string[] {
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  if (want === null || (Array.isArray(want) && want.length === 0)) return empty(read) ? [] : [`${path}: expected absent`];
  if (Array.isArray(want)) {
    if (!Array.isArray(read)) return [`${path}: expected a list`];
    if (read.length !== want.length) return [`${path}: expected ${want.length} elements, read ${read.length}`];
    return want.flatMap((w, i) => changesNeeded(w, read[i], `${path}[${i}]`));
  }
  if (isObject(want)) {
    if (!isObject(read)) return [`${path}: expected an object`];
    const out: string[] = [];
    for (const key of Object.keys(want)) {
      if (path === '' && isServerOwned(key)) continue;
      out.push(...changesNeeded(want[key], read[key], path ? `${path}.${key}` : key));
    }
    for (const key of Object.keys(read)) {
      if (path === '' && isServerOwned(key)) continue;
      if (!Object.hasOwn(want, key)) out.push(`${path ? `${path}.${key}` : key}: added by the server`);
    }
    return out;
  }
  if (typeof want !== typeof read) return [`${path}: expected a ${typeof want}, read ${read === undefined ? 'nothing' : `a ${typeof read}`}`];
  return want === read ? [] : [`${path}: another value`];
}

/**
 * One update cycle of a provider that matches users on `filter`: GET by filter and GET by id
 * both show `want` (what the provider's mapping produces), so no PATCH follows.
 */
export async function expectNoChange(t: TestApp, tenant: string, id: string, filter: string, want: Json, suffix = ''): Promise<void> {
  const join = suffix ? '&' : '';
  const listed = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(filter)}${join}${suffix.replace(/^\?/, '')}`);
  expect(listed.statusCode).toBe(200);
  expect(listed.json().totalResults, filter).toBe(1);
  const byFilter = listed.json().Resources[0] as Json;
  expect(byFilter.id).toBe(id);
  const byId = await t.scim(tenant, 'GET', `/Users/${id}${suffix}`);
  expect(byId.statusCode).toBe(200);
  expect(changesNeeded(want, byFilter), 'GET by filter').toEqual([]);
  expect(changesNeeded(want, byId.json()), 'GET by id').toEqual([]);
}
