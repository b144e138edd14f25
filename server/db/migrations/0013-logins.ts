// Storage: login-time sync. Events record their source (`login`; null is a SCIM request, the
// scheduler or `apply`), and the `jti` of every accepted ID token is kept until it expires, per
// tenant, so that a replayed token is refused (the primary key decides a race).

import { sql, type Kysely, type Migration } from 'kysely';

export const logins: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table events add column source text').execute(db);
    await sql.raw(`create table login_tokens (
      tenant text not null,
      jti text not null,
      expires_at timestamptz not null,
      primary key (tenant, jti))`).execute(db);
    await sql.raw('create index login_tokens_expiry on login_tokens (tenant, expires_at)').execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('drop table login_tokens').execute(db);
    await sql.raw('alter table events drop column source').execute(db);
  },
};
