// Storage: the initial schema of docs/storage.md, exactly; one statement per query because
// PGlite's extended protocol takes a single command.

import { sql, type Kysely, type Migration } from 'kysely';

const statements = [
  `create table scim_users (
    id             uuid primary key,
    tenant         text not null,
    key_value      text not null,
    user_name      text not null,
    external_id    text,
    work_email     text,
    resource       jsonb not null,
    profile        jsonb not null,
    status         text not null,
    deactivated_at timestamptz,
    reason         text,
    next_check_at  timestamptz,
    config_hash    text not null,
    version        integer not null default 1,
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    deleted_at     timestamptz,
    unique (tenant, key_value)
  )`,
  `create unique index scim_users_user_name on scim_users (tenant, lower(user_name)) where deleted_at is null`,
  `create index scim_users_external_id on scim_users (tenant, external_id)`,
  `create index scim_users_work_email on scim_users (tenant, work_email)`,
  `create index scim_users_next_check on scim_users (next_check_at) where next_check_at is not null`,
  `create table scim_groups (
    id           uuid primary key,
    tenant       text not null,
    display_name text not null,
    external_id  text,
    created_by   text not null,
    version      integer not null default 1,
    created_at   timestamptz not null,
    updated_at   timestamptz not null,
    deleted_at   timestamptz
  )`,
  `create unique index scim_groups_display_name on scim_groups (tenant, lower(display_name)) where deleted_at is null`,
  `create table memberships (
    tenant     text not null,
    group_id   uuid not null references scim_groups(id),
    user_id    uuid not null references scim_users(id),
    via_rule   boolean not null default false,
    via_client boolean not null default false,
    created_at timestamptz not null,
    primary key (group_id, user_id)
  )`,
  `create index memberships_user on memberships (tenant, user_id)`,
  `create table events (
    id          bigserial primary key,
    tenant      text not null,
    type        text not null,
    account_id  uuid,
    group_id    uuid,
    config_hash text,
    request_id  text,
    fields      jsonb,
    created_at  timestamptz not null
  )`,
  `create index events_tenant on events (tenant, id)`,
];

export const initial: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const table of ['events', 'memberships', 'scim_groups', 'scim_users']) {
      await sql.raw(`drop table ${table}`).execute(db);
    }
  },
};
