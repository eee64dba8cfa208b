import type { ColumnType, Generated, Selectable } from 'kysely';
import type {
  AccountStatus,
  JobKind,
  JobQueue,
  JobStatus,
  LogResult,
  Platform,
  PlatformMode,
  Priority,
  TargetSource,
  TargetStatus,
  TaskStatus,
  TaskType,
} from '../shared/enums.js';
import type { AudienceLedgerTable, DoNotContactTable } from '../hygiene/hygiene-schema.js';
import type { LocalisedText } from '../shared/messages.js';
import type { NotificationsTable, WebhookAttemptsTable, WebhookSettingsTable } from '../notifications/notification-schema.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T, string | T>;

export interface TasksTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  platform: Platform;
  platform_mode: PlatformMode;
  type: TaskType;
  target_group: string | null;
  target_group_title: string | null;
  target_group_key: string | null;
  message_template: string | null;
  /** The template's version: 1, then one more each time it is replaced (migration 14; task_message_history keeps the replaced ones). */
  message_version: Generated<number>;
  /** The accounts the user chose for the task (migration 18); null: every suitable account of the owner. */
  account_ids: number[] | null;
  priority: Priority;
  status: TaskStatus;
  status_reason: string | null;
  /** Params of status_reason when it is a message code (migration 10); null for old English rows. */
  status_reason_params: ColumnType<Record<string, string | number> | null, string | null | undefined, string | null>;
  scheduled_at: Timestamp | null;
  settings: Json;
  last_dispatched_at: Timestamp | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface TargetsTable {
  id: Generated<number>;
  task_id: number;
  identity_key: string;
  username: string | null;
  user_id_platform: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  source: TargetSource;
  extra: Json;
  /** The person's row in the file they were imported from (migration 17; before it, `extra.row`). */
  file_row: number | null;
  status: Generated<TargetStatus>;
  attempts: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  account_id: number | null;
  in_flight_at: Timestamp | null;
  next_attempt_at: Timestamp | null;
  processed_at: Timestamp | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AccountsTable {
  id: Generated<number>;
  user_id: number;
  platform: Generated<Platform>;
  platform_mode: PlatformMode;
  label: string;
  phone: string | null;
  session_encrypted: string | null;
  sandbox_profile: Json<SandboxProfile> | null;
  status: Generated<AccountStatus>;
  status_reason: string | null;
  rest_until: Timestamp | null;
  next_action_at: Timestamp | null;
  idle_until: Timestamp | null;
  error_count: Generated<number>;
  flood_wait_count: Generated<number>;
  /** Connections in a row that did not reach Telegram (migration 21): the step of the account's rest. */
  unreachable_count: Generated<number>;
  last_used_at: Timestamp | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** The Telegram user behind the session (migration 4); null for sandbox and not-yet-checked accounts. */
  tg_user_id: ColumnType<string | null, string | null | undefined, string | null>;
  tg_username: ColumnType<string | null, string | null | undefined, string | null>;
  tg_name: ColumnType<string | null, string | null | undefined, string | null>;
  checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The SOCKS proxy it reaches Telegram through, encrypted (migration 19; src/accounts/account-proxy.ts); null: none. */
  proxy_encrypted: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A half-finished account connection (phone code or QR, then maybe 2FA). The session is encrypted. */
export interface TelegramLoginAttemptsTable {
  id: string;
  user_id: number;
  method: 'phone' | 'qr';
  state: 'code_sent' | 'password_needed' | 'qr' | 'done' | 'expired' | 'cancelled' | 'failed';
  phone: string | null;
  phone_code_hash: string | null;
  code_type: string | null;
  password_hint: string | null;
  session_encrypted: string | null;
  /** The proxy the login goes through, encrypted (migration 19); the account keeps it. */
  proxy_encrypted: ColumnType<string | null, string | null | undefined, string | null>;
  account_id: number | null;
  error_code: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp;
}

export interface SandboxProfile {
  /** Sandbox groups where this simulated account is an admin with the invite right. */
  adminOf: string[];
}

export interface AccountLeasesTable {
  account_id: number;
  lease_id: string;
  holder: string;
  purpose: string;
  group_key: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface TaskAccountsTable {
  task_id: number;
  account_id: number;
  eligible: boolean;
  reason: string | null;
  group_peer: Json | null;
  checked_at: Timestamp;
}

export interface ExecutionLogsTable {
  id: Generated<number>;
  user_id: number;
  task_id: number | null;
  target_id: number | null;
  account_id: number | null;
  group_key: string | null;
  action: string;
  result: LogResult;
  error_code: string | null;
  message: string | null;
  details: Json;
  counts_toward_limit: boolean;
  created_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface AccountGroupUsageTable {
  account_id: number;
  group_key: string;
  lifetime_invites: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  user_id: number;
  action: string;
  entity: string;
  entity_id: string | null;
  details: Json;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface BackgroundJobsTable {
  id: string;
  user_id: number;
  kind: JobKind;
  queue: JobQueue;
  task_id: number | null;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  params: Json;
  /** Uploaded file bytes (import_file); PGlite returns Uint8Array, pg returns Buffer. */
  input: Uint8Array | null;
  progress: Json | null;
  result: Json | null;
  output: Uint8Array | null;
  error_code: string | null;
  error_message: string | null;
  /** The failure's sentence in both languages (migration 20); error_message is its English, with any retry note. */
  error_text: Json<LocalisedText> | null;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  run_at: Timestamp;
  locked_by: string | null;
  locked_until: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface Database {
  tasks: TasksTable;
  targets: TargetsTable;
  accounts: AccountsTable;
  account_leases: AccountLeasesTable;
  task_accounts: TaskAccountsTable;
  execution_logs: ExecutionLogsTable;
  account_group_usage: AccountGroupUsageTable;
  audit_log: AuditLogTable;
  background_jobs: BackgroundJobsTable;
  telegram_login_attempts: TelegramLoginAttemptsTable;
  local_tenants: LocalTenantsTable;
  /** The shared virtual clock of a sped-up sandbox deployment (migration 5). */
  sandbox_clock: SandboxClockTable;
  /** The circuit breaker's shared state per platform (migration 5). */
  platform_circuits: PlatformCircuitsTable;
  task_counters: TaskCountersTable;
  /** A direct-message task's replaced templates (migration 14). */
  task_message_history: TaskMessageHistoryTable;
  /** Audience hygiene (migration 6): src/hygiene/hygiene-schema.ts. */
  audience_ledger: AudienceLedgerTable;
  do_not_contact: DoNotContactTable;
  /** Notifications and the webhook (migration 9): src/notifications/notification-schema.ts. */
  notifications: NotificationsTable;
  webhook_settings: WebhookSettingsTable;
  webhook_attempts: WebhookAttemptsTable;
}

/** A template a direct-message task sent under `version` before it was replaced; the current one is the task's. */
export interface TaskMessageHistoryTable {
  task_id: number;
  version: number;
  template: string;
  replaced_at: Date;
}

/** Per-task target counts by status, maintained by triggers on targets (migration 7); read, never written by code. */
export interface TaskCountersTable {
  task_id: number;
  pending: number;
  in_flight: number;
  invited: number;
  sent: number;
  skipped: number;
  failed: number;
}

/** Email subjects of a standalone install (no API gateway), each its own tenant. */
export interface LocalTenantsTable {
  id: Generated<number>;
  subject: string;
  created_at: Generated<Date>;
}

export type TaskRow = Selectable<TasksTable>;
export type TargetRow = Selectable<TargetsTable>;
export type AccountRow = Selectable<AccountsTable>;
export type BackgroundJobRow = Selectable<BackgroundJobsTable>;
export type TelegramLoginAttemptRow = Selectable<TelegramLoginAttemptsTable>;
/** A job without its payloads (uploaded file, report file): what lists and status checks read. */
export type BackgroundJobView = Omit<BackgroundJobRow, 'input' | 'output'>;
export type ExecutionLogRow = Selectable<ExecutionLogsTable>;

/** One row: origin (real and virtual) and speed of a sped-up sandbox deployment's clock (src/shared/shared-clock.ts). */
export interface SandboxClockTable {
  id: ColumnType<number, number | undefined, number>;
  real_origin: Timestamp;
  virtual_origin: Timestamp;
  speed: number;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Circuit breaker state per platform, shared by all processes (src/scheduler/circuit-breaker.ts). */
export interface PlatformCircuitsTable {
  platform: string;
  state: 'open' | 'closed';
  opened_at: Timestamp | null;
  retry_at: Timestamp | null;
  consecutive_opens: number;
  updated_at: Timestamp;
}
