import { type Kysely, sql } from 'kysely';
import type { Database, TargetRow, TaskRow } from '../db/schema.js';
import type { TargetIdentity } from '../targets/identity.js';

/**
 * Audience hygiene: who must not be contacted again, decided before any account spends an attempt.
 *
 *  - ALREADY_INVITED: the person is in the user's ledger for this group (invited by any of the user's tasks,
 *    or found already a member). Applies to invite tasks whose group is known (the admin check at start sets it).
 *  - DO_NOT_CONTACT: the person is on the user's do-not-contact list (any identifier matches). Applies to every task.
 *
 * Both are applied at import time (rows are added to the task as SKIPPED with the code, so the task's counters and
 * report stay truthful: they count as added and skipped) and again when a worker claims a person (a ledger entry
 * written by another task after this import, or a group learnt only at start, still stops the attempt).
 */
export const HYGIENE_CODES = ['DO_NOT_CONTACT', 'ALREADY_INVITED'] as const;
export type HygieneCode = (typeof HYGIENE_CODES)[number];

export interface Block {
  code: HygieneCode;
  message: string;
}

export interface HygieneScope {
  userId: number;
  /** The group the people would be invited into; null for direct messages or while the group is not known yet. */
  groupKey: string | null;
}

type Person = { key: string; target: Pick<TargetIdentity, 'username' | 'user_id_platform' | 'phone'> };

const CHUNK = 1000;
const chunks = <T>(xs: T[]) => Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));
const lower = (s: string | null | undefined) => (s ? s.toLowerCase() : null);
/**
 * `= any($1::text[])`: a thousand values as one array parameter. As `IN ($1, …, $1000)` each look-up compiled, sent and
 * had PostgreSQL type a thousand parameters, and a 200,000-row dry run spent most of its time there (see classify).
 */
const anyOf = (values: string[]) => sql<string>`any(${values}::text[])`;

export const DNC_MESSAGE = 'on your do-not-contact list';
const ledgerMessage = (outcome: string, taskId: number | null) =>
  outcome === 'INVITED'
    ? `already invited into this group${taskId ? ` (task #${taskId})` : ''}`
    : `already a member of this group${taskId ? ` (found by task #${taskId})` : ''}`;

/** ledgerMessage in SQL, for set-based imports (`outcome` and `taskId` are column expressions): the same texts. */
export const ledgerMessageSql = (outcome: string, taskId: string) =>
  `CASE WHEN ${outcome} = 'INVITED' THEN 'already invited into this group' || coalesce(' (task #' || ${taskId} || ')', '')` +
  ` ELSE 'already a member of this group' || coalesce(' (found by task #' || ${taskId} || ')', '') END`;

/** The scope of a task: its owner, and its group once known (invite tasks only). */
export function scopeOfTask(task: Pick<TaskRow, 'user_id' | 'type' | 'target_group_key'>): HygieneScope {
  return { userId: Number(task.user_id), groupKey: task.type === 'invite_to_group' ? task.target_group_key : null };
}

/** Which of these people must be skipped, and why (do-not-contact wins over the ledger). Keys are identity keys. */
export async function classify(db: Kysely<Database>, scope: HygieneScope, people: Person[]): Promise<Map<string, Block>> {
  const out = new Map<string, Block>();
  if (!people.length) return out;
  for (const part of chunks(people)) {
    const usernames = [...new Set(part.map((p) => lower(p.target.username)).filter((x): x is string => !!x))];
    const ids = [...new Set(part.map((p) => p.target.user_id_platform).filter((x): x is string => !!x))];
    const phones = [...new Set(part.map((p) => p.target.phone).filter((x): x is string => !!x))];
    const dnc = !(usernames.length || ids.length || phones.length)
      ? []
      : await db
          .selectFrom('do_not_contact')
          .select(['username', 'user_id_platform', 'phone'])
          .where('user_id', '=', scope.userId)
          .where((eb) =>
            eb.or([
              ...(usernames.length ? [eb('username', '=', anyOf(usernames))] : []),
              ...(ids.length ? [eb('user_id_platform', '=', anyOf(ids))] : []),
              ...(phones.length ? [eb('phone', '=', anyOf(phones))] : []),
            ]),
          )
          .execute();
    if (dnc.length) {
      const u = new Set(dnc.map((d) => d.username).filter(Boolean));
      const i = new Set(dnc.map((d) => d.user_id_platform).filter(Boolean));
      const ph = new Set(dnc.map((d) => d.phone).filter(Boolean));
      for (const p of part) {
        if (
          (p.target.username && u.has(p.target.username.toLowerCase())) ||
          (p.target.user_id_platform && i.has(p.target.user_id_platform)) ||
          (p.target.phone && ph.has(p.target.phone))
        )
          out.set(p.key, { code: 'DO_NOT_CONTACT', message: DNC_MESSAGE });
      }
    }
    if (scope.groupKey) {
      const keys = [...new Set(part.map((p) => p.key))].filter((k) => !out.has(k));
      if (keys.length) {
        const ledger = await db
          .selectFrom('audience_ledger')
          .select(['identity_key', 'outcome', 'task_id'])
          .where('user_id', '=', scope.userId)
          .where('group_key', '=', scope.groupKey)
          .where('identity_key', '=', anyOf(keys))
          .execute();
        for (const l of ledger) out.set(l.identity_key, { code: 'ALREADY_INVITED', message: ledgerMessage(l.outcome, l.task_id) });
      }
    }
  }
  return out;
}

/**
 * Whether `classify` can find anyone in this scope at all: the owner has a do-not-contact list, or a ledger for the
 * group. One look-up, so a dry run of a first campaign into a group (nothing to find) does not ask once per batch.
 */
export async function hygieneMayBlock(db: Kysely<Database>, scope: HygieneScope): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM do_not_contact WHERE user_id = ${scope.userId})
        OR (${scope.groupKey}::text IS NOT NULL
            AND EXISTS (SELECT 1 FROM audience_ledger WHERE user_id = ${scope.userId} AND group_key = ${scope.groupKey}::text)) AS found`.execute(db);
  return rows[0]!.found;
}

/** Why this one person must not be contacted by this task now, or null. */
export async function blockedReason(db: Kysely<Database>, task: TaskRow, target: TargetRow): Promise<Block | null> {
  const res = await classify(db, scopeOfTask(task), [{ key: target.identity_key, target }]);
  return res.get(target.identity_key) ?? null;
}

/**
 * Writes a person into the ledger (inside the outcome's transaction). The first entry wins: a later
 * "already a member" does not overwrite an earlier "invited".
 */
export async function recordInLedger(db: Kysely<Database>, task: TaskRow, target: TargetRow, outcome: 'INVITED' | 'ALREADY_MEMBER', now: Date): Promise<void> {
  if (task.type !== 'invite_to_group' || !task.target_group_key) return;
  await db
    .insertInto('audience_ledger')
    .values({
      user_id: Number(task.user_id),
      group_key: task.target_group_key,
      identity_key: target.identity_key,
      outcome,
      task_id: task.id,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['user_id', 'group_key', 'identity_key']).doNothing())
    .execute();
}
