// Faults: /readyz says why the instance is not ready (the database does not answer, by error
// name or code; no tenant is served), on the default database (PGlite; PostgreSQL in
// postgres-stop.test.ts). Runs everywhere.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../server/db/database.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { planOf, sha256Hex, validatedApp } from '../server/helpers.ts';

const plan = planOf(`tenant: readyz-faults
tokens: [{ sha256: ${sha256Hex('secret-readyz-faults')} }]
timezone: UTC
key: externalId
profile:
  function: title
`);

describe('/readyz reasons', () => {
  const opened: { close(): Promise<void> }[] = [];
  let shared: OpenDatabase;
  beforeAll(async () => {
    shared = await openDatabase({ dataDir: 'memory://' });
    opened.push(shared);
  });
  afterAll(async () => {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
  });

  it('is ready with a database and a tenant, and lists no reasons', async () => {
    const database = shared;
    const app = validatedApp({ db: database.db, tenants: new TenantRegistry([plan]) });
    opened.push(app);
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', database: true, tenants: 1, stale: [], failedFiles: [] });
  });

  it('says that no tenants are served', async () => {
    const app = validatedApp({ db: shared.db, tenants: new TenantRegistry() });
    opened.push(app);
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', database: true, tenants: 0, reasons: ['no tenants served'], stale: [], failedFiles: [] });
  });

  it('says that the database is not reachable, by error name, and both reasons at once', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    const app = validatedApp({ db: database.db, tenants: new TenantRegistry() });
    opened.push(app);
    await database.close();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'unavailable',
      database: false,
      tenants: 0,
      reasons: [expect.stringMatching(/^database not reachable \(\w+\)$/), 'no tenants served'],
      databaseError: { name: expect.any(String) },
    });
  });
});
