import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';

/** Who did what to which object: every state-changing user action lands here. */
export class AuditLog {
  // The service's clock, as every other time it writes: a sped-up sandbox's journal reads in its own days.
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async record(userId: number, action: string, entity: string, entityId: string | number | null, details: Record<string, unknown> = {}): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        user_id: userId,
        action,
        entity,
        entity_id: entityId === null ? null : String(entityId),
        details: JSON.stringify(details),
        created_at: this.clock.now(),
      })
      .execute();
  }
}
