import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { ENGINE, makeTestApp } from './helpers/test-app.js';

describe.skipIf(ENGINE !== 'postgres')('PostgreSQL connection loss', () => {
  it('survives idle connections being terminated and keeps serving', async () => {
    const t = await makeTestApp();
    try {
      expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks' })).statusCode).toBe(200);
      // Kill every backend of this app's database, as a PostgreSQL restart would.
      const dbName = new URL(t.ctx.config.databaseUrl!).pathname.slice(1);
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
      await admin.end();
      expect(killed.rowCount).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 200));
      // The process is still alive and the next request gets a fresh connection.
      expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
