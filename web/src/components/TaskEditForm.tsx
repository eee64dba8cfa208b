import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import { PRIORITIES, type AccountJson, type Priority, type TaskJson } from '../api/types';
import { AccountChoice } from './AccountChoice';
import { useI18n } from '../i18n';
import { FieldError, formNotice, serverFieldErrors } from './FieldError';
import { GroupCheckPanel, useGroupCheck } from './GroupCheck';
import { MessagePreview, templateProblem } from './MessagePreview';
import { ErrorNotice } from './ui';
import { isFinished } from '../task-actions';
import { nameTooLong, startTimeProblem } from '../task-field-checks';
import { serviceNow, useServerInfo } from '../server-info';

const FIELDS = ['name', 'priority', 'target_group', 'message_template', 'scheduled_at', 'settings', 'account_ids'] as const;
type Field = (typeof FIELDS)[number];
const MAX_NOTES_LENGTH = 2000;

/** An ISO time as a datetime-local input's value, in the browser's time zone ("2026-01-05T14:30"). */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const notesOf = (task: TaskJson) => String((task.settings as { notes?: unknown } | null)?.notes ?? '');

/**
 * The task's settings after creation, with the server's rules shown before they refuse: the name and notes always;
 * priority and the message while the task has not ended; the group only before the start (with the same admin check
 * as the create form); the start time while the task has not started. Only changed fields are sent (PUT), so a
 * field the form could not show is never overwritten.
 */
export function TaskEditForm({
  task,
  onSaved,
  onClose,
  onMovedOn,
}: {
  task: TaskJson;
  onSaved: (task: TaskJson) => void;
  onClose: () => void;
  /** The server said the task's status changed meanwhile (409): the page loads it again, and the form's rules follow. */
  onMovedOn: () => void;
}) {
  const { t } = useI18n();
  const server = useServerInfo();
  const finished = isFinished(task.status);
  const canChangeGroup = task.type === 'invite_to_group' && task.status === 'PENDING';
  const canSchedule = !finished && (task.status === 'PENDING' || task.status === 'SCHEDULED' || (task.status === 'PAUSED' && !task.started_at));
  const [name, setName] = useState(task.name);
  const [priority, setPriority] = useState(task.priority as Priority);
  const [group, setGroup] = useState(task.target_group ?? '');
  const [template, setTemplate] = useState(task.message_template ?? '');
  const [notes, setNotes] = useState(notesOf(task));
  const [timed, setTimed] = useState(task.scheduled_at !== null);
  const [startAt, setStartAt] = useState(toLocalInput(task.scheduled_at));
  const [accountIds, setAccountIds] = useState<number[] | null>(task.account_ids);
  const [accounts, setAccounts] = useState<AccountJson[]>([]);
  useEffect(() => {
    if (finished) return;
    api<{ items: AccountJson[] }>('/api/v1/invite/accounts').then(
      (r) => setAccounts(r.items),
      () => undefined,
    );
  }, [finished]);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  /** A field's value changed: its old problem is no longer said. */
  const edit =
    <V,>(field: Field, set: (v: V) => void) =>
    (v: V) => {
      set(v);
      setErrors((fe) => (fe[field] ? { ...fe, [field]: undefined } : fe));
    };
  const groupChanged = canChangeGroup && group.trim() !== (task.target_group ?? '');
  // The group (as typed, or the task's): its check is shown when the group changes, and says beside each account
  // whether it could invite there.
  const { check, checking } = useGroupCheck(task.type === 'invite_to_group' && !finished ? group : '');

  /** The fields that differ from the task, as the API takes them. */
  function changes(): Record<string, unknown> {
    const patch: Record<string, unknown> = {};
    if (name.trim() !== task.name) patch.name = name.trim();
    if (notes !== notesOf(task)) patch.settings = { ...((task.settings as object | null) ?? {}), notes };
    if (!finished && priority !== task.priority) patch.priority = priority;
    if (groupChanged) patch.target_group = group.trim();
    if (!finished && task.type === 'direct_message' && template.trim() !== (task.message_template ?? '')) patch.message_template = template;
    // Compared as the input shows it (to the minute): opening and saving keeps a time set to the second.
    const sameTime = timed ? startAt === toLocalInput(task.scheduled_at) : task.scheduled_at === null;
    if (canSchedule && !sameTime) patch.scheduled_at = timed && startAt ? new Date(startAt).toISOString() : null;
    if (!finished && String(accountIds) !== String(task.account_ids)) patch.account_ids = accountIds;
    return patch;
  }

  /** The server's limits, checked here first so each problem is said at its field. */
  function check_(): Partial<Record<Field, string>> {
    const fe: Partial<Record<Field, string>> = {};
    if (!name.trim()) fe.name = t('errNameRequired');
    else fe.name = nameTooLong(name, t);
    if (groupChanged && group.trim().length < 2) fe.target_group = t('errGroupRequired');
    if (task.type === 'direct_message' && !finished) fe.message_template = templateProblem(template, t);
    if (notes.length > MAX_NOTES_LENGTH) fe.settings = t('errNotesTooLong', { max: MAX_NOTES_LENGTH, n: notes.length });
    if (canSchedule && timed) fe.scheduled_at = startTimeProblem(startAt, t, toLocalInput(task.scheduled_at), serviceNow(server));
    return fe;
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const fe = check_();
    setErrors(fe);
    if (Object.values(fe).some(Boolean)) {
      setError(t('errFixFields'));
      return;
    }
    const patch = changes();
    if (!Object.keys(patch).length) {
      setError(t('editNoChanges'));
      return;
    }
    setSaving(true);
    setError(null);
    try {
      onSaved(await api<TaskJson>(`/api/v1/invite/tasks/${task.id}`, { method: 'PUT', json: patch }));
    } catch (err) {
      // The server's refusals at their fields (it answers in the UI's language); a 409 (the task moved on) as a sentence.
      const { byField, rest } = err instanceof ApiError ? serverFieldErrors(err.body, FIELDS) : { byField: {}, rest: [] };
      setErrors(byField);
      // A 409 at a field (a choice of accounts that cannot serve the task) is the form's to fix, not a task moved on.
      if (err instanceof ApiError && err.status === 409 && !Object.keys(byField).length) onMovedOn();
      setError(Object.keys(byField).length ? rest.join('; ') || t('errFixFields') : (err as Error).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="form card" onSubmit={save} noValidate data-testid="task-edit-form">
      <h3>{t('editTask')}</h3>
      {finished && <p className="muted small">{t('finishedEditHint')}</p>}
      <div className="field">
        <label htmlFor="edit-name">{t('name')}</label>
        <input id="edit-name" value={name} aria-invalid={!!errors.name} onChange={(e) => edit('name', setName)(e.target.value)} />
        <FieldError field="name" text={errors.name} />
      </div>
      {task.type === 'invite_to_group' && (
        <div className="field">
          <label htmlFor="edit-group">{t('groupLink')}</label>
          <input
            id="edit-group"
            value={group}
            disabled={!canChangeGroup}
            aria-invalid={!!errors.target_group}
            placeholder={t('groupHint')}
            onChange={(e) => edit('target_group', setGroup)(e.target.value)}
          />
          {!canChangeGroup && !finished && <p className="muted small">{t('groupLockedHint')}</p>}
          <FieldError field="target_group" text={errors.target_group} />
          {groupChanged && <GroupCheckPanel check={check} checking={checking} />}
        </div>
      )}
      {task.type === 'direct_message' && !finished && (
        <div className="field">
          <label htmlFor="edit-template">{t('messageTemplate')}</label>
          <textarea
            id="edit-template"
            rows={4}
            value={template}
            aria-invalid={!!errors.message_template}
            onChange={(e) => edit('message_template', setTemplate)(e.target.value)}
          />
          <FieldError field="message_template" text={errors.message_template} />
          <p className="muted small">{t('templateHint')}</p>
          <MessagePreview template={template} fieldSaysIt={!!errors.message_template} />
        </div>
      )}
      {!finished && (
        <div className="field">
          <label htmlFor="edit-priority">{t('priority')}</label>
          <select id="edit-priority" value={priority} onChange={(e) => edit('priority', setPriority)(e.target.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(p)}
              </option>
            ))}
          </select>
          <FieldError field="priority" text={errors.priority} />
        </div>
      )}
      {canSchedule && (
        <fieldset className="field">
          <legend>{t('startTime')}</legend>
          <label>
            <input type="radio" name="edit-when" checked={!timed} onChange={() => edit('scheduled_at', setTimed)(false)} /> {t('startTimeNone')}
          </label>
          <label>
            <input type="radio" name="edit-when" checked={timed} onChange={() => edit('scheduled_at', setTimed)(true)} /> {t('startTimeSet')}
          </label>
          {timed && (
            <input
              type="datetime-local"
              aria-label={t('startTime')}
              value={startAt}
              aria-invalid={!!errors.scheduled_at}
              onChange={(e) => edit('scheduled_at', setStartAt)(e.target.value)}
            />
          )}
          {!timed && task.status === 'SCHEDULED' && <p className="notice notice-warn small">{t('startTimeClearNow')}</p>}
          <FieldError field="scheduled_at" text={errors.scheduled_at} />
        </fieldset>
      )}
      {!finished && (
        <AccountChoice
          accounts={accounts}
          value={accountIds}
          onChange={edit('account_ids', setAccountIds)}
          check={task.type === 'invite_to_group' ? check : null}
          error={errors.account_ids}
        />
      )}
      <div className="field">
        <label htmlFor="edit-notes">{t('notes')}</label>
        <textarea id="edit-notes" rows={2} value={notes} aria-invalid={!!errors.settings} onChange={(e) => edit('settings', setNotes)(e.target.value)} />
        <p className="muted small">{t('notesHint')}</p>
        <FieldError field="settings" text={errors.settings} />
      </div>
      <ErrorNotice error={formNotice(error, errors, t('errFixFields'))} />
      <div className="row form-buttons">
        <button type="submit" className="primary" disabled={saving} data-testid="task-edit-save">
          {saving ? t('saving') : t('save')}
        </button>
        <button type="button" onClick={onClose}>
          {t('editClose')}
        </button>
      </div>
    </form>
  );
}
