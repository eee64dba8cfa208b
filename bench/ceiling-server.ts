/**
 * The ceiling `npm run bench:api` measures the product against, in its own process: a bare Fastify route doing one
 * primary-key read of a task row on the same engine (the same PostgreSQL database, or its own PGlite), with no
 * authentication, validation or serialisation schema. Prints `{url}`.
 */
import Fastify from 'fastify';
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../src/db/database.js';

async function main() {
  const handle = await openDatabase({ url: process.env.BENCH_DATABASE_URL || undefined, pgliteDataDir: 'memory://' });
  const { db } = handle;
  const existing = await db.selectFrom('tasks').select('id').orderBy('id').limit(1).executeTakeFirst();
  const id =
    existing?.id ??
    (
      await sql<{ id: number }>`
    INSERT INTO tasks (user_id, name, platform_mode, type, target_group) VALUES (1, 'ceiling', 'sandbox', 'invite_to_group', '@x') RETURNING id`.execute(db)
    ).rows[0]!.id;
  const app = Fastify();
  app.get('/t', async () => db.selectFrom('tasks').select(['id', 'name', 'status', 'updated_at']).where('id', '=', id).executeTakeFirst());
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/t` }));
  const stop = async () => {
    await app.close();
    await handle.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
