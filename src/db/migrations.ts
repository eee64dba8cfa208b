import { sql, type Kysely } from 'kysely';
import { NOTIFICATIONS_MIGRATION } from '../notifications/notification-migration.js';

/**
 * Ordered, append-only migrations. Each runs once inside a transaction and is recorded in
 * schema_migrations; an advisory lock stops two processes migrating one PostgreSQL at once.
 * Never edit a shipped migration: add the next one.
 */
const migrations: Array<{ version: number; name: string; up: string }> = [
  {
    version: 1,
    name: 'initial schema',
    up: `
CREATE TABLE tasks (
  id serial PRIMARY KEY,
  user_id bigint NOT NULL,
  name text NOT NULL,
  platform text NOT NULL DEFAULT 'telegram',
  platform_mode text NOT NULL,
  type text NOT NULL CHECK (type IN ('invite_to_group','direct_message')),
  target_group text,
  target_group_title text,
  target_group_key text,
  message_template text,
  priority text NOT NULL DEFAULT 'MEDIUM' CHECK (priority IN ('HIGH','MEDIUM','LOW')),
  status text NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING','SCHEDULED','IN_PROGRESS','PAUSED','COMPLETED','FAILED','CANCELLED')),
  status_reason text,
  scheduled_at timestamptz,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_dispatched_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX tasks_user_status ON tasks (user_id, status);
CREATE INDEX tasks_runnable ON tasks (status, priority) WHERE status IN ('IN_PROGRESS','SCHEDULED');

CREATE TABLE targets (
  id serial PRIMARY KEY,
  task_id integer NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  identity_key text NOT NULL,
  username text,
  user_id_platform text,
  phone text,
  first_name text,
  last_name text,
  source text NOT NULL CHECK (source IN ('MANUAL','FILE_UPLOAD','PARSING_IMPORT')),
  extra jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'PENDING'
    CHECK (status IN ('PENDING','IN_FLIGHT','INVITED','SENT','SKIPPED','FAILED')),
  attempts integer NOT NULL DEFAULT 0,
  error_code text,
  error_message text,
  account_id integer,
  in_flight_at timestamptz,
  next_attempt_at timestamptz,
  processed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, identity_key)
);
CREATE INDEX targets_task_status ON targets (task_id, status, id);
CREATE INDEX targets_in_flight ON targets (in_flight_at) WHERE status = 'IN_FLIGHT';

CREATE TABLE accounts (
  id serial PRIMARY KEY,
  user_id bigint NOT NULL,
  platform text NOT NULL DEFAULT 'telegram',
  platform_mode text NOT NULL CHECK (platform_mode IN ('sandbox','telegram')),
  label text NOT NULL,
  phone text,
  session_encrypted text,
  sandbox_profile jsonb,
  status text NOT NULL DEFAULT 'ACTIVE'
    CHECK (status IN ('ACTIVE','RESTING','FLOOD_WAIT','PEER_FLOOD','BANNED','DEAUTHORIZED','DISABLED')),
  status_reason text,
  rest_until timestamptz,
  next_action_at timestamptz,
  -- When the account has nothing it may do (daily caps reached), workers skip it until then.
  -- Cleared whenever new work appears, so it never delays a fresh task.
  idle_until timestamptz,
  error_count integer NOT NULL DEFAULT 0,
  flood_wait_count integer NOT NULL DEFAULT 0,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_user ON accounts (user_id, status);

-- One row per leased account. The primary key makes a second lease impossible; expires_at
-- lets a crashed worker's account free itself without anyone cleaning up.
CREATE TABLE account_leases (
  account_id integer PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  lease_id text NOT NULL UNIQUE,
  holder text NOT NULL,
  purpose text NOT NULL,
  group_key text,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL
);

-- Which of the user's accounts may act for a task (invite tasks: admins with the invite right).
CREATE TABLE task_accounts (
  task_id integer NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  account_id integer NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  eligible boolean NOT NULL,
  reason text,
  group_peer jsonb,
  checked_at timestamptz NOT NULL,
  PRIMARY KEY (task_id, account_id)
);

-- Every platform action (one row per attempt). Daily limits are counted from here, so there
-- is no counter to reset. counts_toward_limit is false only when the platform refused before acting.
CREATE TABLE execution_logs (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL,
  task_id integer REFERENCES tasks(id) ON DELETE SET NULL,
  target_id integer REFERENCES targets(id) ON DELETE SET NULL,
  account_id integer REFERENCES accounts(id) ON DELETE SET NULL,
  group_key text,
  action text NOT NULL CHECK (action IN ('invite','message')),
  result text NOT NULL,
  error_code text,
  message text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  counts_toward_limit boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX execution_logs_account_day ON execution_logs (account_id, action, created_at);
CREATE INDEX execution_logs_task ON execution_logs (task_id, created_at DESC);
CREATE INDEX execution_logs_created ON execution_logs (created_at);

-- Lifetime invites per (account, group). Kept apart from execution_logs because logs are
-- pruned after the retention period, while the 200-for-ever limit must never forget.
CREATE TABLE account_group_usage (
  account_id integer NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  group_key text NOT NULL,
  lifetime_invites integer NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, group_key)
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_user ON audit_log (user_id, created_at DESC);
`,
  },
  {
    version: 2,
    name: 'background jobs',
    // The user-visible record of queued work (imports, reports, scheduled starts). It is the truth;
    // BullMQ (when Redis is configured) only carries job ids, so a lost Redis loses no work.
    up: `
CREATE TABLE background_jobs (
  id uuid PRIMARY KEY,
  user_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('import_file','import_parsing','task_report','task_start')),
  queue text NOT NULL,
  task_id integer REFERENCES tasks(id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED','RUNNING','COMPLETED','FAILED','CANCELLED')),
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  input bytea,
  credential text,
  credential_expires_at timestamptz,
  progress jsonb,
  result jsonb,
  output bytea,
  error_code text,
  error_message text,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 3,
  run_at timestamptz NOT NULL,
  locked_by text,
  locked_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX background_jobs_user ON background_jobs (user_id, created_at DESC);
CREATE INDEX background_jobs_due ON background_jobs (run_at) WHERE status = 'QUEUED';
CREATE INDEX background_jobs_running ON background_jobs (locked_until) WHERE status = 'RUNNING';
CREATE INDEX background_jobs_task ON background_jobs (task_id) WHERE task_id IS NOT NULL;
`,
  },
  {
    version: 3,
    name: 'local tenants; no stored credentials',
    // Email subjects on an install without the platform's API gateway each become a local tenant, numbered
    // from 2^40 so they can never share rows with a platform user id. Background Parsing imports now mint an
    // inter-service token per call, so jobs no longer keep the caller's token.
    up: `
CREATE SEQUENCE local_tenants_id_seq START WITH 1099511627776 MINVALUE 1099511627776;
CREATE TABLE local_tenants (
  id bigint PRIMARY KEY DEFAULT nextval('local_tenants_id_seq'),
  subject text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE local_tenants_id_seq OWNED BY local_tenants.id;
ALTER TABLE background_jobs DROP COLUMN credential, DROP COLUMN credential_expires_at;
`,
  },
  {
    version: 4,
    name: 'telegram login attempts and connected account identity',
    // A half-finished "connect an account" (phone code / QR, then maybe a 2FA password). The live GramJS client
    // stays in the API process's memory; its temporary session is also kept here, encrypted, so another process
    // can resume the attempt and expired ones can be cleaned up. Finished rows stay (without a session) for an
    // hour or so: they are what the per-user and per-phone code-request limits count.
    up: `
CREATE TABLE telegram_login_attempts (
  id uuid PRIMARY KEY,
  user_id bigint NOT NULL,
  method text NOT NULL CHECK (method IN ('phone','qr')),
  state text NOT NULL CHECK (state IN ('code_sent','password_needed','qr','done','expired','cancelled','failed')),
  phone text,
  phone_code_hash text,
  code_type text,
  password_hint text,
  session_encrypted text,
  account_id integer REFERENCES accounts(id) ON DELETE SET NULL,
  error_code text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX telegram_login_attempts_user ON telegram_login_attempts (user_id, created_at);
CREATE INDEX telegram_login_attempts_phone ON telegram_login_attempts (phone, created_at) WHERE phone IS NOT NULL;
CREATE INDEX telegram_login_attempts_open ON telegram_login_attempts (expires_at) WHERE session_encrypted IS NOT NULL;

-- Who the connected Telegram account is (from users.getUsers([inputUserSelf])), refreshed on every check.
ALTER TABLE accounts ADD COLUMN tg_user_id text;
ALTER TABLE accounts ADD COLUMN tg_username text;
ALTER TABLE accounts ADD COLUMN tg_name text;
ALTER TABLE accounts ADD COLUMN checked_at timestamptz;
CREATE INDEX accounts_tg_user ON accounts (tg_user_id) WHERE tg_user_id IS NOT NULL;
`,
  },
  {
    version: 5,
    name: 'shared sandbox clock and platform circuit breaker state',
    // One virtual clock for every process of a sped-up sandbox deployment (SANDBOX_TIME_SPEED > 1): the first
    // process writes the origin (real and virtual) and the speed; the others read it, so they all agree on "now".
    up: `
CREATE TABLE sandbox_clock (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  real_origin timestamptz NOT NULL,
  virtual_origin timestamptz NOT NULL,
  speed double precision NOT NULL CHECK (speed > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The circuit breaker's state per platform, so every process stops dispatching when one of them sees an outage.
CREATE TABLE platform_circuits (
  platform text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('open','closed')),
  opened_at timestamptz,
  retry_at timestamptz,
  consecutive_opens integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);
`,
  },
  {
    version: 6,
    name: 'audience hygiene: invited ledger and do-not-contact list',
    // The ledger: everyone a user invited into a group (or found already a member there), written by the worker in
    // the outcome's transaction; backfilled here from the targets of every invite task whose group is known.
    // The do-not-contact list: per user, matched on any of a person's identifiers (username, id, phone).
    up: `
CREATE TABLE audience_ledger (
  user_id bigint NOT NULL,
  group_key text NOT NULL,
  identity_key text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('INVITED','ALREADY_MEMBER')),
  task_id integer REFERENCES tasks(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, group_key, identity_key)
);
INSERT INTO audience_ledger (user_id, group_key, identity_key, outcome, task_id, created_at)
SELECT DISTINCT ON (t.user_id, t.target_group_key, tg.identity_key)
       t.user_id, t.target_group_key, tg.identity_key,
       CASE WHEN tg.status = 'INVITED' THEN 'INVITED' ELSE 'ALREADY_MEMBER' END, t.id, coalesce(tg.processed_at, tg.updated_at)
  FROM targets tg JOIN tasks t ON t.id = tg.task_id
 WHERE t.type = 'invite_to_group' AND t.target_group_key IS NOT NULL
   AND (tg.status = 'INVITED' OR (tg.status = 'SKIPPED' AND tg.error_code = 'USER_ALREADY_PARTICIPANT'))
 ORDER BY t.user_id, t.target_group_key, tg.identity_key, coalesce(tg.processed_at, tg.updated_at)
ON CONFLICT DO NOTHING;

CREATE TABLE do_not_contact (
  id serial PRIMARY KEY,
  user_id bigint NOT NULL,
  identity_key text NOT NULL,
  username text,
  user_id_platform text,
  phone text,
  source text NOT NULL CHECK (source IN ('MANUAL','FILE','TASK')),
  source_task_id integer REFERENCES tasks(id) ON DELETE SET NULL,
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, identity_key)
);
CREATE INDEX do_not_contact_username ON do_not_contact (user_id, username) WHERE username IS NOT NULL;
CREATE INDEX do_not_contact_user_id ON do_not_contact (user_id, user_id_platform) WHERE user_id_platform IS NOT NULL;
CREATE INDEX do_not_contact_phone ON do_not_contact (user_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX do_not_contact_list ON do_not_contact (user_id, id DESC);
`,
  },
  {
    version: 7,
    name: 'task counters kept with every target change',
    // A task's counters are read on every status poll and every task list; recounting its targets each time made
    // those calls grow with the audience. Statement-level triggers with transition tables keep one row per task in
    // step with every insert, status change and delete of targets, inside the same transaction, whichever code
    // path (worker, import, bulk action, cascade) made it; a multi-row statement costs one aggregated update.
    up: `
CREATE TABLE task_counters (
  task_id integer PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  pending integer NOT NULL DEFAULT 0,
  in_flight integer NOT NULL DEFAULT 0,
  invited integer NOT NULL DEFAULT 0,
  sent integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0
);
INSERT INTO task_counters (task_id, pending, in_flight, invited, sent, skipped, failed)
SELECT task_id, count(*) FILTER (WHERE status = 'PENDING'), count(*) FILTER (WHERE status = 'IN_FLIGHT'),
       count(*) FILTER (WHERE status = 'INVITED'), count(*) FILTER (WHERE status = 'SENT'),
       count(*) FILTER (WHERE status = 'SKIPPED'), count(*) FILTER (WHERE status = 'FAILED')
  FROM targets GROUP BY task_id;

CREATE FUNCTION task_counters_after_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO task_counters AS c (task_id, pending, in_flight, invited, sent, skipped, failed)
  SELECT task_id, count(*) FILTER (WHERE status = 'PENDING'), count(*) FILTER (WHERE status = 'IN_FLIGHT'),
         count(*) FILTER (WHERE status = 'INVITED'), count(*) FILTER (WHERE status = 'SENT'),
         count(*) FILTER (WHERE status = 'SKIPPED'), count(*) FILTER (WHERE status = 'FAILED')
    FROM new_rows GROUP BY task_id
  ON CONFLICT (task_id) DO UPDATE SET
    pending = c.pending + excluded.pending, in_flight = c.in_flight + excluded.in_flight, invited = c.invited + excluded.invited,
    sent = c.sent + excluded.sent, skipped = c.skipped + excluded.skipped, failed = c.failed + excluded.failed;
  RETURN NULL;
END $fn$;

-- Updates and deletes only adjust existing rows: a task being deleted takes its counters row with it, and the
-- cascade's delete of its targets must not bring the row back. (Transition tables are visible only inside the
-- trigger function itself, so each function spells its statement out.)
CREATE FUNCTION task_counters_after_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE task_counters c SET pending = c.pending + d.pending, in_flight = c.in_flight + d.in_flight, invited = c.invited + d.invited,
         sent = c.sent + d.sent, skipped = c.skipped + d.skipped, failed = c.failed + d.failed
    FROM (SELECT task_id, sum(pending)::int AS pending, sum(in_flight)::int AS in_flight, sum(invited)::int AS invited,
                 sum(sent)::int AS sent, sum(skipped)::int AS skipped, sum(failed)::int AS failed
            FROM (SELECT task_id, (status = 'PENDING')::int AS pending, (status = 'IN_FLIGHT')::int AS in_flight,
                         (status = 'INVITED')::int AS invited, (status = 'SENT')::int AS sent,
                         (status = 'SKIPPED')::int AS skipped, (status = 'FAILED')::int AS failed FROM new_rows
                  UNION ALL
                  SELECT task_id, -(status = 'PENDING')::int, -(status = 'IN_FLIGHT')::int, -(status = 'INVITED')::int,
                         -(status = 'SENT')::int, -(status = 'SKIPPED')::int, -(status = 'FAILED')::int FROM old_rows) x
           GROUP BY task_id) d
   WHERE c.task_id = d.task_id AND (d.pending, d.in_flight, d.invited, d.sent, d.skipped, d.failed) <> (0, 0, 0, 0, 0, 0);
  RETURN NULL;
END $fn$;

CREATE FUNCTION task_counters_after_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE task_counters c SET pending = c.pending - d.pending, in_flight = c.in_flight - d.in_flight, invited = c.invited - d.invited,
         sent = c.sent - d.sent, skipped = c.skipped - d.skipped, failed = c.failed - d.failed
    FROM (SELECT task_id, count(*) FILTER (WHERE status = 'PENDING')::int AS pending, count(*) FILTER (WHERE status = 'IN_FLIGHT')::int AS in_flight,
                 count(*) FILTER (WHERE status = 'INVITED')::int AS invited, count(*) FILTER (WHERE status = 'SENT')::int AS sent,
                 count(*) FILTER (WHERE status = 'SKIPPED')::int AS skipped, count(*) FILTER (WHERE status = 'FAILED')::int AS failed
            FROM old_rows GROUP BY task_id) d
   WHERE c.task_id = d.task_id;
  RETURN NULL;
END $fn$;

CREATE TRIGGER targets_counted_insert AFTER INSERT ON targets REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION task_counters_after_insert();
CREATE TRIGGER targets_counted_update AFTER UPDATE ON targets REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION task_counters_after_update();
CREATE TRIGGER targets_counted_delete AFTER DELETE ON targets REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION task_counters_after_delete();
`,
  },
  {
    version: 8,
    name: 'scheduler indexes: due accounts, accounts by task, resting accounts',
    // Issue 13: a scheduling decision must not grow with the number of accounts. The worker asks for the first
    // accounts due (pause, rest and idle time all passed) in due order: accounts_due answers that by walking an index
    // on exactly the expression and predicate readyAccountsQuery uses (src/scheduler/ready-accounts.ts), instead of
    // reading and sorting every account. task_accounts is keyed (task_id, account_id), which cannot answer "the tasks
    // of this account" (asked for every candidate, by findWork and by release's pacing): task_accounts_account does.
    // Reviving rested accounts (housekeeping) reads only the resting ones.
    up: `
CREATE INDEX accounts_due ON accounts (
  (greatest(coalesce(next_action_at, '-infinity'::timestamptz), coalesce(rest_until, '-infinity'::timestamptz),
            coalesce(idle_until, '-infinity'::timestamptz))),
  id
) WHERE status NOT IN ('BANNED','DEAUTHORIZED','DISABLED');
CREATE INDEX task_accounts_account ON task_accounts (account_id, task_id) WHERE eligible;
CREATE INDEX accounts_resting ON accounts (rest_until) WHERE status IN ('FLOOD_WAIT','PEER_FLOOD','RESTING');
`,
  },
  {
    version: 9,
    name: 'notifications, webhook settings and delivery log',
    // Issue 11: per-user notifications (code + params, rendered in the reader's language), an optional signed
    // webhook per user and its delivery log; deliveries are background jobs of a new kind.
    up: NOTIFICATIONS_MIGRATION,
  },
  {
    version: 10,
    name: 'task status reason params',
    // Issue 11: tasks.status_reason holds a message code (src/shared/messages.ts) and this its params, so the
    // reason is said in each reader's language; rows from before keep their English text and no params.
    up: `ALTER TABLE tasks ADD COLUMN status_reason_params jsonb;`,
  },
  {
    version: 11,
    name: 'targets belong to a task: checked once per statement',
    // Issue 13: the foreign key targets.task_id → tasks checked each row on its own (one locking read of the task per
    // row): the largest single cost of an import, a quarter of it. These triggers keep the same guarantee set-based.
    // An insert locks the tasks its rows name FOR KEY SHARE (the lock the key's check takes: the task cannot be deleted
    // until the inserting transaction ends) and refuses the statement if one of them is gone. Deleting tasks deletes
    // their targets in the same statement (the cascade). A target never moves to another task. Under READ COMMITTED each
    // statement of a trigger function reads a fresh snapshot, so a task deleted concurrently is seen as gone once its
    // deletion commits, and a delete that waited for an insert's lock then removes the rows that insert committed.
    up: `
ALTER TABLE targets DROP CONSTRAINT targets_task_id_fkey;

CREATE FUNCTION targets_check_task() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  ids integer[];
  missing integer;
BEGIN
  SELECT array_agg(task_id) INTO ids FROM (SELECT DISTINCT task_id FROM new_rows) n;
  PERFORM 1 FROM tasks WHERE id = ANY (ids) FOR KEY SHARE;
  SELECT x INTO missing FROM unnest(ids) x WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = x) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert into targets: task % does not exist', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $fn$;
CREATE TRIGGER targets_task_checked AFTER INSERT ON targets REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION targets_check_task();

CREATE FUNCTION targets_task_fixed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'target % cannot move from task % to task %', OLD.id, OLD.task_id, NEW.task_id USING ERRCODE = 'foreign_key_violation';
END $fn$;
CREATE TRIGGER targets_task_fixed BEFORE UPDATE OF task_id ON targets
  FOR EACH ROW WHEN (OLD.task_id IS DISTINCT FROM NEW.task_id) EXECUTE FUNCTION targets_task_fixed();

CREATE FUNCTION tasks_delete_targets() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM targets WHERE task_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END $fn$;
CREATE TRIGGER tasks_targets_deleted AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tasks_delete_targets();
`,
  },
  {
    version: 12,
    name: 'identity keys compared byte for byte',
    // Issue 13: an identity key (u:name, id:123, p:+7…) is an identifier, never shown in order, and equality is the
    // same under every deterministic collation; but the unique (task_id, identity_key) compared keys by the database's
    // locale rules on every insert. Bytewise ("C") is a memcmp: COPY of 200,000 rows into a table shaped like targets
    // took ≈ 16 % less than with the Russian ICU collation (bench/targets-write-cost.ts); on a database created C.UTF-8
    // there is no measurable difference. Rebuilds that index; the rows are not rewritten.
    up: `ALTER TABLE targets ALTER COLUMN identity_key TYPE text COLLATE "C";`,
  },
  {
    version: 13,
    name: 'one row per Telegram account',
    // The limits are counted per row of accounts, so a Telegram account connected twice had twice the limits: 60
    // invites a day, 400 for ever into a group. Until the session of 2026-12-07 a pasted StringSession was stored
    // without asking who it was, and two users could connect the same account; connecting now refuses both
    // (src/accounts/telegram-login.ts keep()), and the unique index below makes a race of two connections fail
    // instead of storing a second row. The rows already there are merged first. Per Telegram account the row
    // connected last is kept (its session is the newest). The owner's other rows give it their history: the
    // attempts counted today, the invites per group for ever, the tasks they served and the longest rest Telegram
    // imposed. Then they go. Another user's row cannot be merged (the account can have one owner): it is retired with
    // the reason and its session forgotten. Its history stays in the logs; reconnecting it is refused with 409.
    up: `
CREATE TEMP TABLE account_merge ON COMMIT DROP AS
SELECT a.id AS loser, k.id AS keeper, a.user_id = k.user_id AS same_owner
  FROM accounts a
  JOIN LATERAL (SELECT id, user_id FROM accounts b
                 WHERE b.platform_mode = 'telegram' AND b.tg_user_id = a.tg_user_id
                 ORDER BY b.updated_at DESC, b.id DESC LIMIT 1) k ON k.id <> a.id
 WHERE a.platform_mode = 'telegram' AND a.tg_user_id IS NOT NULL;

UPDATE execution_logs l SET account_id = m.keeper FROM account_merge m WHERE m.same_owner AND l.account_id = m.loser;
UPDATE targets t SET account_id = m.keeper FROM account_merge m WHERE m.same_owner AND t.account_id = m.loser;
UPDATE telegram_login_attempts t SET account_id = m.keeper FROM account_merge m WHERE m.same_owner AND t.account_id = m.loser;
INSERT INTO account_group_usage AS u (account_id, group_key, lifetime_invites)
SELECT m.keeper, g.group_key, sum(g.lifetime_invites)::int
  FROM account_group_usage g JOIN account_merge m ON m.same_owner AND g.account_id = m.loser
 GROUP BY m.keeper, g.group_key
ON CONFLICT (account_id, group_key) DO UPDATE SET lifetime_invites = u.lifetime_invites + excluded.lifetime_invites;
INSERT INTO task_accounts (task_id, account_id, eligible, reason, group_peer, checked_at)
SELECT DISTINCT ON (ta.task_id, m.keeper) ta.task_id, m.keeper, ta.eligible, ta.reason, ta.group_peer, ta.checked_at
  FROM task_accounts ta JOIN account_merge m ON m.same_owner AND ta.account_id = m.loser
 ORDER BY ta.task_id, m.keeper, ta.eligible DESC, ta.checked_at DESC
ON CONFLICT (task_id, account_id) DO NOTHING;
-- The longest rest Telegram imposed on any of the rows is the account's.
UPDATE accounts k SET status = r.status, status_reason = r.status_reason, rest_until = r.rest_until
  FROM (SELECT DISTINCT ON (m.keeper) m.keeper, a.status, a.status_reason, a.rest_until
          FROM account_merge m JOIN accounts a ON a.id = m.loser
         WHERE m.same_owner AND a.status IN ('FLOOD_WAIT', 'PEER_FLOOD', 'RESTING') AND a.rest_until IS NOT NULL
         ORDER BY m.keeper, a.rest_until DESC) r
 WHERE k.id = r.keeper AND k.status NOT IN ('BANNED', 'DEAUTHORIZED', 'DISABLED') AND (k.rest_until IS NULL OR k.rest_until < r.rest_until);
UPDATE accounts k SET next_action_at = x.next_action_at
  FROM (SELECT m.keeper, max(a.next_action_at) AS next_action_at FROM account_merge m JOIN accounts a ON a.id = m.loser
         WHERE m.same_owner GROUP BY m.keeper) x
 WHERE k.id = x.keeper AND x.next_action_at > coalesce(k.next_action_at, '-infinity');
DELETE FROM accounts a USING account_merge m WHERE m.same_owner AND a.id = m.loser;

UPDATE accounts a SET status = 'DEAUTHORIZED', status_reason = 'this Telegram account is connected by another user of this service',
       tg_user_id = NULL, session_encrypted = NULL, rest_until = NULL
  FROM account_merge m WHERE NOT m.same_owner AND a.id = m.loser;
DELETE FROM account_leases l USING account_merge m WHERE NOT m.same_owner AND l.account_id = m.loser;

DROP INDEX accounts_tg_user;
CREATE UNIQUE INDEX accounts_tg_user ON accounts (tg_user_id) WHERE platform_mode = 'telegram' AND tg_user_id IS NOT NULL;
`,
  },
  {
    version: 14,
    name: 'the message each person was sent',
    // A direct-message task's template can be edited while it runs, and its report wrote every sent message from the
    // current one: people sent the first text were reported as sent the second. A template replaced is kept here
    // under its version, the task says its current version, and each sent target its own (targets.extra
    // message_version): the report writes the text each person was sent. A version number per person, not the text:
    // a campaign sends the same few texts to many people.
    up: `
ALTER TABLE tasks ADD COLUMN message_version integer NOT NULL DEFAULT 1;
CREATE TABLE task_message_history (
  task_id integer NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  version integer NOT NULL,
  template text NOT NULL,
  replaced_at timestamptz NOT NULL,
  PRIMARY KEY (task_id, version)
);
`,
  },
  {
    version: 15,
    name: 'notifications of long account rests',
    // PeerFlood rests an account for a day and a FloodWait can last hours: the owner's pace drops without a word. The
    // account manager now tells them (account_rested); the event list of migration 9 gains it.
    up: `
ALTER TABLE notifications DROP CONSTRAINT notifications_event_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_event_check
  CHECK (event IN ('task_completed','task_failed','task_attention','account_retired','account_rested','import_failed'));
`,
  },
  {
    version: 16,
    name: 'the journal names what was deleted',
    // The journal page says each entry with the task's or account's name; once it is deleted, the name its deletion
    // kept is looked up per entry of the page through this small index (deletions only).
    up: `CREATE INDEX audit_log_deletions ON audit_log (user_id, entity, entity_id) WHERE action IN ('task.delete', 'account.delete');`,
  },
  {
    version: 17,
    name: 'the file row of an imported person in a column of its own',
    // An import wrote each person's row number into targets.extra as {"row": n, "import_id": …}: building that jsonb
    // once per person took a tenth to a quarter of an import's database time. The row number now has this column, and
    // extra is one value per import. Rows imported before keep their number in extra, and the API shows either as
    // extra.row (targetToJson), so nothing is rewritten here: a plain nullable column is added in place.
    up: `ALTER TABLE targets ADD COLUMN file_row integer;`,
  },
  {
    version: 18,
    name: 'the accounts a task may use, when the user chose them',
    // Null (every task before, and a task left to "every suitable account"): the task takes any of the owner's accounts
    // that can serve it whenever its accounts are recorded (start, resume, an account added or enabled). A list: only
    // those, still only when they can.
    up: `ALTER TABLE tasks ADD COLUMN account_ids integer[];`,
  },
  {
    version: 19,
    name: 'the proxy each Telegram account connects through',
    // Encrypted like the session (a proxy's password is a credential); null: straight to Telegram. A login attempt
    // keeps the proxy it was begun with, so the account is logged in from the address it will work from.
    up: `ALTER TABLE accounts ADD COLUMN proxy_encrypted text;
ALTER TABLE telegram_login_attempts ADD COLUMN proxy_encrypted text;`,
  },
  {
    version: 20,
    name: "a background job's failure in both languages",
    // error_message keeps the English sentence API clients have always read; the reader of the job may read Russian,
    // and the sentence's params (the file's line, the Parsing Service's answer) exist only when it fails: so it is
    // kept rendered in both, {ru, en}, beside it. Null: no failure, or one from before (the English stays).
    up: `ALTER TABLE background_jobs ADD COLUMN error_text jsonb;`,
  },
  {
    version: 21,
    name: 'how many times in a row an account could not reach Telegram',
    // An account whose connection fails (its proxy down, Telegram unreachable) sent nothing: it rests, each time
    // longer, and its owner is told once per outage. The count is the rest's step; an action, a check or a new proxy
    // that reaches Telegram sets it back to 0.
    up: `ALTER TABLE accounts ADD COLUMN unreachable_count integer NOT NULL DEFAULT 0;`,
  },
];

// Migrations speak raw SQL over any schema version, so the database type is deliberately open here.
// biome-ignore lint/suspicious/noExplicitAny: the schema is what these migrations create, not yet the Database type
export async function migrate(db: Kysely<any>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(724311)`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
    const applied = await sql<{ version: number }>`SELECT version FROM schema_migrations`.execute(trx);
    const done = new Set(applied.rows.map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await sql.raw(m.up).execute(trx);
      await sql`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`.execute(trx);
    }
  });
}
