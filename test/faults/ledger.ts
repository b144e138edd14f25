// Test support: compares a load's ledger with what PostgreSQL holds (acknowledged creates and
// titles that are missing), and counts half-written state (rows a transaction would never leave).

import pg from 'pg';
import type { Load } from './load.ts';

/** What the database lost of the acknowledged writes; every list is empty when nothing was lost. */
export interface LostWrites {
  /** Keys whose create was acknowledged but that have no account, or another id. */
  readonly creates: string[];
  /** Ids whose stored title is neither the last acknowledged one nor one sent after it. */
  readonly titles: string[];
  readonly accounts: number;
}

export async function lostWrites(databaseUrl: string, tenant: string, load: Load): Promise<LostWrites> {
  const rows = await query<{ id: string; key_value: string; title: string | null }>(
    databaseUrl,
    `select id, key_value, resource->>'title' as title from scim_users where tenant = $1`,
    [tenant],
  );
  const byKey = new Map(rows.map((r) => [r.key_value, r]));
  const creates = [...load.created].filter(([key, id]) => byKey.get(key)?.id !== id).map(([key]) => key);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const titles = [...load.titles].flatMap(([id, attempts]) => {
    const last = attempts.map((a) => a.acked).lastIndexOf(true);
    // A write whose answer was lost (a killed server, a dropped connection) may have committed.
    const allowed = new Set(attempts.slice(last).map((a) => a.title));
    const stored = byId.get(id)?.title;
    return stored !== undefined && stored !== null && allowed.has(stored) ? [] : [id];
  });
  return { creates, titles, accounts: rows.length };
}

/** Half-written state, per kind: each count is 0 when every transaction committed whole or left nothing. */
export async function halfWritten(databaseUrl: string, tenant: string): Promise<Record<string, number>> {
  const checks: Record<string, string> = {
    eventsWithoutAccount: `select count(*) as n from events e where e.tenant = $1 and e.account_id is not null
      and not exists (select 1 from scim_users u where u.id = e.account_id)`,
    membershipsWithoutUser: `select count(*) as n from memberships m where m.tenant = $1
      and not exists (select 1 from scim_users u where u.id = m.user_id)`,
    membershipsWithoutGroup: `select count(*) as n from memberships m where m.tenant = $1
      and not exists (select 1 from scim_groups g where g.id = m.group_id)`,
    accountsWithoutCreateEvent: `select count(*) as n from scim_users u where u.tenant = $1
      and not exists (select 1 from events e where e.account_id = u.id and e.type = 'user.created')`,
    // The tenant's rules, written with the account in one transaction: everyone is in Everyone,
    // and a title `Lead …` is in Leads (rule groups only add: an earlier Lead keeps Leads).
    accountsWithoutEveryone: `select count(*) as n from scim_users u where u.tenant = $1 and u.deleted_at is null
      and not exists (select 1 from memberships m join scim_groups g on g.id = m.group_id where m.user_id = u.id and g.display_name = 'Everyone')`,
    leadsWithoutLeads: `select count(*) as n from scim_users u where u.tenant = $1 and u.deleted_at is null
      and u.resource->>'title' like 'Lead %' and not exists (select 1 from memberships m join scim_groups g on g.id = m.group_id
        where m.user_id = u.id and g.display_name = 'Leads')`,
  };
  const counts: Record<string, number> = {};
  for (const [name, sql] of Object.entries(checks)) counts[name] = Number((await query<{ n: string }>(databaseUrl, sql, [tenant]))[0]!.n);
  return counts;
}

async function query<T>(databaseUrl: string, sql: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
