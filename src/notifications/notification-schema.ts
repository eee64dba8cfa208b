import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NotificationEvent, WebhookOutcome } from '../shared/enums.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T, string | T>;

/**
 * Notifications (migration 9, src/notifications/notification-migration.ts). A row holds the event's code and
 * params, never a sentence: the text is rendered in the reader's language when it is read (and in both languages
 * for a webhook body), so a user who switches to English reads yesterday's notifications in English too.
 */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  event: NotificationEvent;
  task_id: number | null;
  account_id: number | null;
  job_id: string | null;
  params: Json;
  read_at: Timestamp | null;
  created_at: Timestamp;
}

/** One user's webhook: where to POST notifications and the HMAC secret (AES-GCM encrypted like account sessions). */
export interface WebhookSettingsTable {
  user_id: number;
  url: string;
  enabled: boolean;
  secret_encrypted: string;
  secret_created_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The delivery log: one row per HTTP attempt (test sends included), shown in the webhook settings. */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  user_id: number;
  notification_id: number | null;
  job_id: string | null;
  event: string;
  url: string;
  attempt: number;
  status_code: number | null;
  outcome: WebhookOutcome;
  /** A message code (WEBHOOK.*) with its params, rendered in the reader's language. */
  error: string | null;
  error_params: Json | null;
  duration_ms: number;
  created_at: Timestamp;
}

export type NotificationRow = Selectable<NotificationsTable>;
export type WebhookSettingsRow = Selectable<WebhookSettingsTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
