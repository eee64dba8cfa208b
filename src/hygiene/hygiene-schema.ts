import type { ColumnType, Generated } from 'kysely';

/**
 * Audience hygiene (migration 6). Everyone one user has already invited into a group, or found already a
 * member there, keyed by (user, group, identity key): later imports and claims of any task of that user into
 * that group skip them without spending an account attempt.
 */
export interface AudienceLedgerTable {
  user_id: number;
  group_key: string;
  identity_key: string;
  outcome: 'INVITED' | 'ALREADY_MEMBER';
  task_id: number | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A user's do-not-contact list: honoured by every task (invites and messages) and every import of that user. */
export interface DoNotContactTable {
  id: Generated<number>;
  user_id: number;
  identity_key: string;
  /** Lower-cased, so matching is case-insensitive like Telegram usernames. */
  username: string | null;
  user_id_platform: string | null;
  phone: string | null;
  source: 'MANUAL' | 'FILE' | 'TASK';
  source_task_id: number | null;
  note: string | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
