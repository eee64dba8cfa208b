import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Who did what to which object: every state-changing user action lands here. */
export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(userId: number, action: string, entity: string, entityId: string | number | null, details: Record<string, unknown> = {}): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        user_id: userId,
        action,
        entity,
        entity_id: entityId === null ? null : String(entityId),
        details: JSON.stringify(details),
      })
      .execute();
  }
}
