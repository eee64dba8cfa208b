import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { ScaledClock } from './clock.js';

/** How often (real seconds) each process marks the shared clock as in use. */
const HEARTBEAT_SECONDS = 10;
/** A clock nobody has marked for this long (real seconds) belongs to a stopped deployment: it resumes where it stopped. */
const STALE_SECONDS = 60;

export interface SharedSandboxClock {
  clock: ScaledClock;
  /** Stops this process's heartbeat on the clock row. */
  stop(): void;
}

/**
 * The virtual clock of a sped-up sandbox deployment (SANDBOX_TIME_SPEED ≠ 1), shared by every process on one
 * database: origin (real and virtual) and speed live in the `sandbox_clock` row. The first process writes it,
 * later ones read it, so an API and its workers agree on "now" and limits hold across processes. Real time is
 * taken from the database server (clock_timestamp()), so machines with skewed clocks still agree.
 *
 * - A process started with a different speed re-anchors the row (virtual time continues, at the new speed);
 *   processes already running keep their old speed until restarted, so give all processes the same value.
 * - While every process is stopped the virtual clock stands still: a row nobody has marked for a minute is
 *   re-anchored at the virtual moment it was last marked, so a restarted demo neither jumps ahead nor goes back.
 */
export async function openSharedSandboxClock(db: Kysely<Database>, speed: number, logger?: Logger): Promise<SharedSandboxClock> {
  const anchor = await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(724312)`.execute(trx);
    const row = await trx.selectFrom('sandbox_clock').selectAll().where('id', '=', 1).executeTakeFirst();
    const realNow = new Date((await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(trx)).rows[0]!.now);
    const localReal = Date.now();
    if (!row) {
      await trx.insertInto('sandbox_clock').values({ id: 1, real_origin: realNow, virtual_origin: realNow, speed, updated_at: realNow }).execute();
      return { virtual: realNow.getTime(), localReal };
    }
    const at = (real: Date) => row.virtual_origin.getTime() + (real.getTime() - row.real_origin.getTime()) * row.speed;
    const stale = realNow.getTime() - row.updated_at.getTime() > STALE_SECONDS * 1000;
    if (!stale && row.speed === speed) return { virtual: at(realNow), localReal };
    // Re-anchor: after a stop, at the last marked moment; after a speed change, at "now" of the old speed.
    const virtual = stale ? at(row.updated_at) : at(realNow);
    if (!stale)
      logger?.warn(
        { stored_speed: row.speed, speed },
        'SANDBOX_TIME_SPEED differs from the shared clock: re-anchored at the new speed; restart the other processes with the same value',
      );
    await trx
      .updateTable('sandbox_clock')
      .set({ real_origin: realNow, virtual_origin: new Date(virtual), speed, updated_at: realNow })
      .where('id', '=', 1)
      .execute();
    return { virtual, localReal };
  });
  const clock = new ScaledClock(speed, anchor.virtual, anchor.localReal);
  const timer = setInterval(() => {
    void db
      .updateTable('sandbox_clock')
      .set({ updated_at: sql`clock_timestamp()` })
      .where('id', '=', 1)
      .execute()
      .catch((err) => logger?.debug({ err: (err as Error).message }, 'could not mark the shared sandbox clock'));
  }, HEARTBEAT_SECONDS * 1000);
  timer.unref();
  return { clock, stop: () => clearInterval(timer) };
}
