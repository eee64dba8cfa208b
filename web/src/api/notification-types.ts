import type { NotificationEvent } from '../../../src/shared/enums';

/** The notifications API (src/notifications/notification-routes.ts). Texts arrive in the UI's language. */
export interface AppNotification {
  id: number;
  event: NotificationEvent;
  text: string;
  task_id: number | null;
  account_id: number | null;
  job_id: string | null;
  read: boolean;
  read_at: string | null;
  created_at: string;
}

export interface NotificationPage {
  items: AppNotification[];
  total: number;
  unread: number;
  latest_unread_id: number | null;
  page: number;
  pages: number;
}

export interface UnreadCount {
  unread: number;
  latest_unread_id: number | null;
  latest: AppNotification | null;
}

export interface WebhookAttempt {
  id: number;
  notification_id: number | null;
  event: string;
  url: string;
  attempt: number;
  status_code: number | null;
  outcome: 'delivered' | 'retrying' | 'failed';
  error: string | null;
  duration_ms: number;
  created_at: string;
}

export interface WebhookSettings {
  configured: boolean;
  url: string | null;
  enabled: boolean;
  secret_created_at: string | null;
  updated_at: string | null;
  deliveries?: WebhookAttempt[];
  /** Only in the answer that created or rotated it. */
  secret?: string;
}
