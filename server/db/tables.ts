// Storage: the kysely types of the tables in docs/storage.md, one interface per table.

import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AttributeSources } from '../../engine/attribute-sources.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type UserStatus = 'active' | 'deactivated' | 'pending';

export interface ScimUsersTable {
  id: string;
  tenant: string;
  key_value: string;
  user_name: string;
  external_id: string | null;
  work_email: string | null;
  /** The user as sent: schema-case keys, no id/meta. Written as JSON text. */
  resource: Json<Record<string, unknown>>;
  profile: Json<Record<string, unknown>>;
  /** Per attribute path, who wrote its value and when (migration 0014); null: unknown. Written as JSON text. */
  sources: ColumnType<AttributeSources | null, string | null | undefined, string | null>;
  status: UserStatus;
  deactivated_at: Timestamp | null;
  reason: string | null;
  next_check_at: Timestamp | null;
  config_hash: string;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface ScimGroupsTable {
  id: string;
  tenant: string;
  display_name: string;
  external_id: string | null;
  created_by: 'rule' | 'client';
  /** When the SCIM client created or adopted the group; null for a rule's group it never claimed. */
  claimed_at: Timestamp | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface MembershipsTable {
  tenant: string;
  group_id: string;
  user_id: string;
  via_rule: Generated<boolean>;
  via_client: Generated<boolean>;
  created_at: Timestamp;
}

export interface EventsTable {
  /** bigserial: PGlite returns a number, pg a string; repositories normalise to number. */
  id: Generated<string | number>;
  tenant: string;
  type: string;
  account_id: string | null;
  group_id: string | null;
  config_hash: string | null;
  request_id: string | null;
  /** Names of changed fields only, never values. */
  fields: Json<readonly string[]> | null;
  /** Why a status changed (migration 0009): tenant-file text, never a user's value. */
  reason: string | null;
  /** `login` for a login's events (migration 0013); null otherwise. */
  source: string | null;
  created_at: Timestamp;
  /**
   * xid8 of the writing transaction, defaulted in SQL (`pg_current_xact_id()`); never written
   * by the application. Events before migration 0010 hold 0. Read as a string.
   */
  txid: Generated<string>;
}

/** One row per tenant: the last event id the webhook receiver acknowledged, and who delivers. */
export interface WebhookCursorTable {
  tenant: string;
  /** bigint: pg returns a string, PGlite a number. */
  last_id: ColumnType<string | number, string | number | undefined, string | number>;
  locked_by: string | null;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
}

/** The config file that last served a tenant id (see engine/claims.ts). */
export interface TenantFilesTable {
  tenant: string;
  file: string;
  hash: string;
  updated_at: Timestamp;
}

/** A feed import, posted over HTTP or run by `scimplan import` (migrations 0012, 0015). */
export interface FeedJobsTable {
  id: string;
  tenant: string;
  feed: string;
  status: 'running' | 'done' | 'held' | 'failed' | 'interrupted';
  result: Json<Record<string, unknown>> | null;
  created_at: Timestamp;
  finished_at: Timestamp | null;
  /** sha256 of the imported file or body (0015). */
  file_hash: string | null;
  /** `{ done, approved? }`: records written so far, thresholds approved past (0015). */
  checkpoint: Json<Record<string, unknown>> | null;
}

/** The result of one written batch of a feed job, in order (migration 0015). */
export interface FeedJobBatchesTable {
  job_id: string;
  batch: number;
  records: Json<unknown[]>;
}

export interface Database {
  feed_jobs: FeedJobsTable;
  feed_job_batches: FeedJobBatchesTable;
  scim_users: ScimUsersTable;
  scim_groups: ScimGroupsTable;
  memberships: MembershipsTable;
  events: EventsTable;
  login_tokens: LoginTokensTable;
  webhook_cursor: WebhookCursorTable;
  tenant_files: TenantFilesTable;
}

export type UserRow = Selectable<ScimUsersTable>;
export type NewUserRow = Insertable<ScimUsersTable>;
export type GroupRow = Selectable<ScimGroupsTable>;
export type NewGroupRow = Insertable<ScimGroupsTable>;
export type EventRow = Selectable<EventsTable>;

/** The `jti` of an accepted ID token, kept until `expires_at` (migration 0013): a replay is refused. */
export interface LoginTokensTable {
  tenant: string;
  jti: string;
  expires_at: Timestamp;
}
