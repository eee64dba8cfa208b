// Response types come straight from the server code, so a renamed field breaks the UI build, not the UI.
export type { TaskJson, TaskCounters } from '../../../src/tasks/task-service';
export type { GroupCheckResult } from '../../../src/accounts/group-check';
export type { ImportReport, PreviewSkip } from '../../../src/import/import-service';
export type { ParsingBase } from '../../../src/import/parsing-service-client';
export type JobJson = ReturnType<typeof import('../../../src/jobs/job-json').jobJson>;
export {
  TASK_STATUSES,
  TASK_TYPES,
  ACTIVE_TASK_STATUSES,
  FINISHED_JOB_STATUSES,
  messageTaskName,
  PRIORITIES,
  TARGET_STATUSES,
  ACCOUNT_STATUSES,
  type TaskStatus,
  type TaskType,
  type Priority,
  type TargetStatus,
  type AccountStatus,
} from '../../../src/shared/enums';
/** How the server fills a message template: the form's preview uses the same function, so it shows what is sent. */
export { renderTemplate, unclosedTemplateVariables, unknownTemplateVariables } from '../../../src/shared/message-template';

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  pages: number;
}

export interface AccountJson {
  id: number;
  label: string;
  /** The proxy (SOCKS or HTTP) it reaches Telegram through, its password hidden; null: none. */
  proxy: string | null;
  platform_mode: string;
  sandbox: boolean;
  phone_masked: string | null;
  status: string;
  tg_name: string | null;
  tg_username: string | null;
  checked_at: string | null;
  status_reason: string | null;
  rest_until: string | null;
  next_action_at: string | null;
  available: boolean;
  usage_today: {
    invites: number;
    invites_limit: number;
    messages: number;
    messages_limit: number;
    invites_by_group: Record<string, number>;
    group_day_limit: number;
    /** When the daily counts start again. */
    resets_at: string;
  };
  lifetime_by_group: Record<string, number>;
  /** Titles of the groups in lifetime_by_group / invites_by_group, by group id (where known). */
  group_titles: Record<string, string>;
  group_lifetime_limit: number;
  last_used_at: string | null;
}

export interface LogItem {
  id: number;
  created_at: string;
  action: 'invite' | 'message';
  result: string;
  error_code: string | null;
  message: string | null;
  target_label: string | null;
  account_label: string | null;
}

/** One hour or day of a task's actions, the bucket starting at `at` in the reader's time zone. */
export interface ActivityPoint {
  at: string;
  succeeded: number;
  other: number;
  skipped: number;
  failed: number;
}

export interface TaskStats {
  counters: import('../../../src/tasks/task-service').TaskCounters;
  skipped_by_reason: Array<{ code: string | null; reason: string | null; count: number }>;
  failed_by_reason: Array<{ code: string | null; reason: string | null; count: number }>;
  /** label null: the account was deleted since. */
  per_account: Array<{ account_id: number | null; label: string | null; succeeded: number; attempts: number }>;
  per_hour: ActivityPoint[];
  per_day: ActivityPoint[];
  eta_seconds: number | null;
  /** Execution logs are kept this many days; history_deleted: the task ended before that, so its chart and feed are gone. */
  history_days: number;
  history_deleted: boolean;
  sandbox: boolean;
}

export interface TargetJson {
  id: number;
  username: string | null;
  user_id_platform: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  processed_at: string | null;
}
