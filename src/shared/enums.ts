import { withVariablesAs } from './message-template.js';
/**
 * The one spelling of every enum, imported by the database layer, the API schemas and the web UI,
 * so the UI can never wait for "pending" while the API says "PENDING".
 */
export const TASK_STATUSES = ['PENDING', 'SCHEDULED', 'IN_PROGRESS', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_TYPES = ['invite_to_group', 'direct_message'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const PRIORITIES = ['HIGH', 'MEDIUM', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_RANK: Record<Priority, number> = { HIGH: 0, MEDIUM: 1, LOW: 2 };

export const PLATFORMS = ['telegram'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_MODES = ['sandbox', 'telegram'] as const;
export type PlatformMode = (typeof PLATFORM_MODES)[number];

export const TARGET_STATUSES = ['PENDING', 'IN_FLIGHT', 'INVITED', 'SENT', 'SKIPPED', 'FAILED'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

export const TARGET_SOURCES = ['MANUAL', 'FILE_UPLOAD', 'PARSING_IMPORT'] as const;
export type TargetSource = (typeof TARGET_SOURCES)[number];

export const ACCOUNT_STATUSES = ['ACTIVE', 'RESTING', 'FLOOD_WAIT', 'PEER_FLOOD', 'BANNED', 'DEAUTHORIZED', 'DISABLED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
/** Statuses an account never leaves on its own: it is retired. */
export const RETIRED_ACCOUNT_STATUSES: AccountStatus[] = ['BANNED', 'DEAUTHORIZED'];
/** Statuses in which an account sends nothing: retired, or disabled by its owner. */
export const UNUSABLE_ACCOUNT_STATUSES: AccountStatus[] = [...RETIRED_ACCOUNT_STATUSES, 'DISABLED'];
/**
 * `<column> NOT IN (…unusable…)` as SQL text with the statuses written as literals, not bound parameters: a partial
 * index is used only when the planner can prove its predicate from the query's, which it cannot with parameters.
 */
export const usableAccountSql = (statusColumn: string) => `${statusColumn} NOT IN (${UNUSABLE_ACCOUNT_STATUSES.map((s) => `'${s}'`).join(', ')})`;

export const LOG_RESULTS = ['ATTEMPTED', 'SUCCESS', 'SKIPPED', 'FAILED', 'RETRY', 'ACCOUNT_ERROR', 'OUTCOME_UNKNOWN'] as const;
export type LogResult = (typeof LOG_RESULTS)[number];

/**
 * What the task list's selection bar can do to many tasks at once. START is there so that a batch of prepared
 * campaigns is started in one go instead of opening each; every id still passes its own start's checks.
 */
export const BULK_TASK_ACTIONS = ['START', 'DELETE', 'PAUSE', 'RESUME', 'CANCEL', 'SET_PRIORITY'] as const;
export const BULK_TARGET_ACTIONS = ['delete', 'reset', 'skip'] as const;

export type TaskAction = 'start' | 'pause' | 'resume' | 'cancel';
/** Which status each control action may start from: enforced by the server, used by the UI to show buttons. */
export const TASK_TRANSITIONS: Record<TaskAction, readonly TaskStatus[]> = {
  start: ['PENDING'],
  pause: ['IN_PROGRESS', 'SCHEDULED'],
  resume: ['PAUSED'],
  cancel: ['PENDING', 'SCHEDULED', 'IN_PROGRESS', 'PAUSED'],
};
/** Statuses a task never leaves: its audience is history. */
export const FINISHED_TASK_STATUSES: readonly TaskStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
/** Statuses in which a task is being worked on (and its progress is worth polling). */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = ['IN_PROGRESS', 'SCHEDULED'];

/**
 * Default name of a direct-message task: the start of its text, with template variables shown as "…". A greeting by name
 * («Здравствуйте, {first_name}!») opens most templates and tells no two tasks apart, so the name starts after it.
 */
export function messageTaskName(template: string, prefix = 'Messages'): string {
  const whole = withVariablesAs(template, '…').replace(/\s+/g, ' ').trim();
  const greeting = /^[^.!?…]{0,30}…[^.!?]{0,10}[.!?]+ (?=\S)/.exec(whole);
  const text = greeting ? whole.slice(greeting[0].length) : whole;
  if (text.length <= 40) return `${prefix}: ${text}`;
  // Cut at a word's end where there is one in reach, not inside a word («в ч…»).
  const space = text.lastIndexOf(' ', 40);
  // A cut right after a sentence's end or a comma drops that mark: «маркетинге…», not «маркетинге.…».
  const cut = (space > 25 ? text.slice(0, space) : text.slice(0, 40)).trimEnd().replace(/[\s.,;:!?…—–-]+$/, '');
  return `${prefix}: ${cut}…`;
}

export const JOB_KINDS = ['import_file', 'import_parsing', 'task_report', 'task_start', 'webhook_delivery'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** Statuses after which a job never changes again. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/**
 * The queues of the specification. Scheduled starts go to the invite queue of their task's priority;
 * consumers give the high queue the most concurrency. Imports and reports have their own queues so a
 * big import never delays a start.
 */
export const JOB_QUEUES = ['invite-high', 'invite-normal', 'invite-low', 'imports', 'reports', 'webhooks'] as const;
export type JobQueue = (typeof JOB_QUEUES)[number];
export const INVITE_QUEUE_BY_PRIORITY: Record<Priority, JobQueue> = { HIGH: 'invite-high', MEDIUM: 'invite-normal', LOW: 'invite-low' };

/**
 * What a notification is about (issue 11). A task finished (completed, failed) or needs the owner (attention:
 * it cannot go on without them), one of the owner's accounts was retired by the platform, an import failed.
 */
export const NOTIFICATION_EVENTS = ['task_completed', 'task_failed', 'task_attention', 'account_retired', 'account_rested', 'import_failed'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** How one webhook delivery attempt ended. */
export const WEBHOOK_OUTCOMES = ['delivered', 'retrying', 'failed'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
