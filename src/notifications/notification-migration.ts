/**
 * Migration 9 (listed in src/db/migrations.ts): notifications, per-user webhook settings and the webhook delivery
 * log, and the background job kind that carries deliveries.
 */
export const NOTIFICATIONS_MIGRATION = `
CREATE TABLE notifications (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL,
  event text NOT NULL CHECK (event IN ('task_completed','task_failed','task_attention','account_retired','import_failed')),
  task_id integer REFERENCES tasks(id) ON DELETE SET NULL,
  account_id integer REFERENCES accounts(id) ON DELETE SET NULL,
  -- The failed import's job; no foreign key because finished jobs are pruned while the notification stays.
  job_id uuid,
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
-- The bell polls the unread count: a partial index keeps that cheap however long the history grows.
CREATE INDEX notifications_user_unread ON notifications (user_id, id DESC) WHERE read_at IS NULL;

CREATE TABLE webhook_settings (
  user_id bigint PRIMARY KEY,
  url text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  secret_encrypted text NOT NULL,
  secret_created_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL,
  notification_id bigint REFERENCES notifications(id) ON DELETE CASCADE,
  job_id uuid,
  event text NOT NULL,
  url text NOT NULL,
  attempt integer NOT NULL,
  status_code integer,
  outcome text NOT NULL CHECK (outcome IN ('delivered','retrying','failed')),
  -- Why the attempt failed: a message code (src/shared/messages.ts, WEBHOOK.*) and its params.
  error text,
  error_params jsonb,
  duration_ms integer NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX webhook_attempts_user ON webhook_attempts (user_id, id DESC);

ALTER TABLE background_jobs DROP CONSTRAINT background_jobs_kind_check;
ALTER TABLE background_jobs ADD CONSTRAINT background_jobs_kind_check
  CHECK (kind IN ('import_file','import_parsing','task_report','task_start','webhook_delivery'));
`;
