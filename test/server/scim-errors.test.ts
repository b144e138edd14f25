// The SCIM error catalogue (server/errors.ts): every entry documented in docs/scim-errors.md with
// its status, scimType and detail template, every documented name an entry; templates filled in.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorBody, ERROR_SCHEMA, scimCatalogue, scimError, type ScimErrorCode } from '../../server/errors.ts';

const doc = readFileSync(join(import.meta.dirname, '../../docs/scim-errors.md'), 'utf8');

/** `| \`NAME\` | status | scimType | \`\` detail \`\` | when |` rows of the doc. */
const documented = new Map(
  [...doc.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \| ([^|]+) \| `` (.+?) `` \| (.+) \|$/gm)].map((m) => [
    m[1]!,
    { status: m[2]!.trim(), scimType: m[3]!.trim(), message: m[4]!.replace(/\\\|/g, '|'), when: m[5]!.trim() },
  ]),
);

describe('the SCIM error catalogue and docs/scim-errors.md', () => {
  const codes = Object.keys(scimCatalogue) as ScimErrorCode[];

  it('documents every entry, with its status, scimType and detail template', () => {
    expect(codes.length).toBeGreaterThan(50);
    for (const code of codes) {
      const entry = scimCatalogue[code];
      const row = documented.get(code);
      expect(row, code).toBeDefined();
      expect(row!.status, code).toBe(String(entry.status));
      expect(row!.scimType, code).toBe('scimType' in entry ? entry.scimType : '—');
      expect(row!.message, code).toBe(entry.message);
      expect(row!.when, code).not.toBe('');
    }
  });

  it('documents only entries that exist', () => {
    const names = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
    expect(names.length).toBe(documented.size);
    expect(names.filter((n) => !(n in scimCatalogue))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives every entry a client or server status and a lowercase detail without a trailing period', () => {
    for (const code of codes) {
      const entry = scimCatalogue[code];
      if (entry.status !== 'given') expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.message, code).not.toMatch(/\.$/);
      expect(entry.message[0], code).not.toMatch(/[A-Z]/);
    }
  });

  it('fills the template and builds the RFC 7644 §3.12 body', () => {
    const error = scimError('KEY_CHANGE', { attribute: 'externalId' });
    expect(error).toMatchObject({ code: 'KEY_CHANGE', status: 400, scimType: 'mutability', detail: 'the mapping key `externalId` cannot change' });
    expect(errorBody(error)).toEqual({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'mutability', detail: 'the mapping key `externalId` cannot change' });
    expect(errorBody(scimError('USER_NOT_FOUND'))).toEqual({ schemas: [ERROR_SCHEMA], status: '404', detail: 'user not found' });
    expect(scimError('PATCH_NO_VALUE', { n: 2, op: 'add' }).detail).toBe('operation 2: `add` needs a `value`');
  });

  it('takes the status from the caller where the entry says `given`', () => {
    expect(scimError('REQUEST_REFUSED', { status: 405 }).status).toBe(405);
    expect(errorBody(scimError('BULK_OPERATION_FAILED', { status: 422 }))).toEqual({ schemas: [ERROR_SCHEMA], status: '422', detail: 'the operation failed' });
  });

  it('keeps literal braces of a template (`{0,62}`, `{id}`) as written', () => {
    expect(scimError('TENANT_ID_INVALID').detail).toBe('the tenant id must match `[a-z0-9][a-z0-9-]{0,62}`');
    expect(scimError('BULK_RESOURCE_PATH', { method: 'PUT' }).detail).toBe('a PUT `path` names one resource, like `/Users/{id}`');
  });
});
