import { useEffect, useMemo, useState } from 'react';
import { UNUSABLE_ACCOUNT_STATUSES, type AccountStatus } from '../../../src/shared/enums';
import { api, ApiError } from '../api/client';
import { messageTaskName, PRIORITIES, type AccountJson, type Priority, type TaskJson, type TaskType } from '../api/types';
import { useI18n } from '../i18n';
import { countOf } from '../format';
import { ErrorNotice } from '../components/ui';
import { navigate } from '../router';
import { nameTooLong, startTimeProblem } from '../task-field-checks';
import { serviceNow, useServerInfo } from '../server-info';
import { GroupCheckPanel, useGroupCheck } from '../components/GroupCheck';
import { AudiencePicker, audiencePeople, importAudience, useAudience } from '../components/AudiencePicker';
import { FieldError as FieldErrorText, formNotice, serverFieldErrors } from '../components/FieldError';
import { MessagePreview, templateProblem } from '../components/MessagePreview';
import { AccountChoice } from '../components/AccountChoice';

/** The form's fields that can carry an error (the server's `details[].field` names). */
const FORM_FIELDS = ['name', 'target_group', 'message_template', 'scheduled_at', 'priority', 'file', 'audience', 'accounts', 'account_ids'] as const;
type FormField = (typeof FORM_FIELDS)[number];
type FieldErrors = Partial<Record<FormField, string>>;

const FieldError = ({ errors, field }: { errors: FieldErrors; field: FormField }) => <FieldErrorText field={field} text={errors[field]} />;

/** "23 нояб." / "23 Nov": the service's today (`now`), as the server dates the names it gives. */
function todayShort(lang: string, now: number) {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short' }).format(new Date(now));
}

export function CreateTaskPage() {
  const { t, lang } = useI18n();
  const server = useServerInfo();
  const [type, setType] = useState<TaskType>('invite_to_group');
  const [group, setGroup] = useState('');
  const [name, setName] = useState('');
  const [nameEdited, setNameEdited] = useState(false);
  const [template, setTemplate] = useState('');
  const [priority, setPriority] = useState<Priority>('MEDIUM');
  const [when, setWhen] = useState<'now' | 'later' | 'manual'>('now');
  const [scheduledAt, setScheduledAt] = useState('');
  const { check, checking } = useGroupCheck(type === 'invite_to_group' ? group : '');
  // The group the admin check found: previews count who is already invited into it (audience hygiene).
  const groupKey = type === 'invite_to_group' ? (check?.group?.key ?? null) : null;
  const audience = useAudience({ groupKey });
  const [accounts, setAccounts] = useState<AccountJson[]>([]);
  /** The accounts the task may use: null, every suitable one (the default). */
  const [accountIds, setAccountIds] = useState<number[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [submitting, setSubmitting] = useState(false);
  /** The server refused: the task could not start (TASK_CANNOT_START); «Save as draft» is the way to keep it. */
  const [cannotStart, setCannotStart] = useState(false);
  const clearFieldError = (field: FormField) => setFieldErrors((fe) => (fe[field] ? { ...fe, [field]: undefined } : fe));

  useEffect(() => {
    const load = () => {
      api<{ items: AccountJson[] }>('/api/v1/invite/accounts').then(
        (r) => setAccounts(r.items),
        () => undefined,
      );
    };
    load();
    // Opened before signing in (or with an expired token): load again once the user has signed in.
    window.addEventListener('auth-changed', load);
    return () => window.removeEventListener('auth-changed', load);
  }, []);

  // A file the server could read clears what the form said before (e.g. that no audience was chosen).
  useEffect(() => {
    if (audience.preview) setError(null);
  }, [audience.preview]);

  // The name the check suggests (the group's title), until the user types one; none once the group is gone or cannot
  // be found (it kept the last group's: «Приглашения в ‹another group›» over a link that does not resolve).
  useEffect(() => {
    if (nameEdited || type !== 'invite_to_group') return;
    if (check?.suggested_name) setName(check.suggested_name);
    else if (check || !group.trim()) setName('');
  }, [check, nameEdited, group, type]);

  useEffect(() => {
    if (type === 'direct_message' && !nameEdited)
      setName(template ? `${messageTaskName(template, lang === 'ru' ? 'Сообщения' : 'Messages')} · ${todayShort(lang, serviceNow(server))}` : '');
  }, [template, type, nameEdited, lang, server]);

  /** The server's limits, checked in the browser first; each problem at its field. */
  function checkFields(): FieldErrors {
    const fe: FieldErrors = {};
    fe.name = nameTooLong(name, t);
    if (type === 'invite_to_group' && group.trim().length < 2) fe.target_group = t('errGroupRequired');
    if (type === 'direct_message') fe.message_template = templateProblem(template, t);
    if (when === 'later') fe.scheduled_at = startTimeProblem(scheduledAt, t, undefined, serviceNow(server));
    return fe;
  }

  const chosen = (id: number) => accountIds === null || accountIds.includes(id);
  const activeAccounts = accounts.filter((a) => !UNUSABLE_ACCOUNT_STATUSES.includes(a.status as AccountStatus) && chosen(a.id)).length;
  // The pace of the accounts that will work: the group's ready admins (the check's pace is theirs, per account alike),
  // or the usable accounts for messages — of those chosen, when the user chose.
  const readyChosen = check?.ready.filter((r) => chosen(r.account_id)).length ?? 0;
  const pacing = useMemo(
    () =>
      type === 'invite_to_group'
        ? { n: check?.ready.length ? Math.round(((check.safe_pacing_per_day ?? 0) * readyChosen) / check.ready.length) : 0, k: readyChosen }
        : { n: activeAccounts * (accounts[0]?.usage_today.messages_limit ?? 40), k: activeAccounts },
    [type, check, activeAccounts, accounts, readyChosen],
  );

  /** Create (and start unless «create only»), or with `draft` save whatever is missing: the task keeps the reason. */
  /** How many people the import right after the create brings (the file's dry run, or the chosen base). */
  const audienceCount = () =>
    audience.source === 'file' ? (audience.preview?.imported ?? (audience.file ? 1 : 0)) : audience.baseId ? (audience.base?.total_results ?? 1) : 0;

  async function submit(e: React.FormEvent, draft = false) {
    e.preventDefault();
    setCannotStart(false);
    const fe = checkFields();
    setFieldErrors(fe);
    if (Object.values(fe).some(Boolean)) {
      setError(t('errFixFields'));
      return;
    }
    if (!draft && !audience.chosen) {
      setError(t('audienceRequired'));
      return;
    }
    setSubmitting(true);
    setError(null);
    let created: TaskJson | null = null;
    try {
      created = await api<TaskJson>('/api/v1/invite/tasks', {
        method: 'POST',
        json: {
          type,
          priority,
          ...(name.trim() ? { name: name.trim() } : {}),
          ...(type === 'invite_to_group' ? { target_group: group.trim() } : { message_template: template }),
          ...(when === 'later' && scheduledAt ? { scheduled_at: new Date(scheduledAt).toISOString() } : {}),
          // The server refuses a task that cannot start unless it is a draft; the audience follows this call.
          draft,
          audience_count: audienceCount(),
          ...(accountIds ? { account_ids: accountIds } : {}),
        },
      });
      const start = when !== 'manual' && !draft;
      // Big audiences are imported by a background job that also starts the task once the audience is in;
      // the task page shows its progress.
      await importAudience(audience, created.id, start);
      if (start && !audience.background) await api(`/api/v1/invite/tasks/${created.id}/start`, { method: 'POST' });
      navigate(`/tasks/${created.id}`);
    } catch (err) {
      // Validation problems the server found are shown at their fields (in the UI's language: the server answers in it).
      if (!created && err instanceof ApiError) {
        const { byField: fromServer, rest } = serverFieldErrors(err.body, FORM_FIELDS);
        if (Object.keys(fromServer).length) {
          setFieldErrors(fromServer);
          const refused = err instanceof ApiError && err.code === 'TASK_CANNOT_START';
          setCannotStart(refused);
          // A refused start: each reason is at its field and the hint below offers the draft (no sentence twice).
          setError(refused ? null : rest.length ? rest.join('; ') : t('errFixFields'));
          return;
        }
      }
      // The task exists even if starting failed: say why and let the user fix it from the task page.
      setError((err as Error).message);
      if (created) setTimeout(() => navigate(`/tasks/${created!.id}`), 4000);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <section>
      <h1>{t('newTask')}</h1>
      {/* noValidate: the form's own checks say every problem at its field, in the UI's language. */}
      <form className="form" onSubmit={submit} noValidate>
        <fieldset className="segmented">
          <legend>{t('taskType')}</legend>
          {(['invite_to_group', 'direct_message'] as const).map((tt) => (
            <label key={tt}>
              <input type="radio" name="type" value={tt} checked={type === tt} onChange={() => setType(tt)} /> {t(tt)}
            </label>
          ))}
        </fieldset>

        {type === 'invite_to_group' && (
          <div className="field">
            <label htmlFor="group">{t('groupLink')}</label>
            <input
              id="group"
              name="target_group"
              required
              value={group}
              placeholder={t('groupHint')}
              aria-invalid={!!fieldErrors.target_group}
              onChange={(e) => {
                setGroup(e.target.value);
                clearFieldError('target_group');
              }}
            />
            <FieldError errors={fieldErrors} field="target_group" />
            <GroupCheckPanel check={check} checking={checking} />
          </div>
        )}

        <div className="field">
          <label htmlFor="name">{t('name')}</label>
          <input
            id="name"
            name="name"
            value={name}
            aria-invalid={!!fieldErrors.name}
            onChange={(e) => {
              setName(e.target.value);
              setNameEdited(true);
              setFieldErrors((fe) => ({ ...fe, name: nameTooLong(e.target.value, t) }));
            }}
          />
          <FieldError errors={fieldErrors} field="name" />
        </div>

        <fieldset className="field">
          <legend>{t('audience')}</legend>
          <AudiencePicker audience={audience} errors={{ file: fieldErrors.file, audience: fieldErrors.audience }} />
        </fieldset>

        {type === 'direct_message' && (
          <div className="field">
            <label htmlFor="template">{t('messageTemplate')}</label>
            <textarea
              id="template"
              name="message_template"
              required
              rows={4}
              value={template}
              aria-invalid={!!fieldErrors.message_template}
              onChange={(e) => {
                setTemplate(e.target.value);
                clearFieldError('message_template');
              }}
            />
            <FieldError errors={fieldErrors} field="message_template" />
            <p className="muted small">{t('templateHint')}</p>
            <MessagePreview template={template} fieldSaysIt={!!fieldErrors.message_template} people={audiencePeople(audience)} />
          </div>
        )}

        <div className="row">
          <div className="field">
            <label htmlFor="priority">{t('priority')}</label>
            <select id="priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {t(p)}
                </option>
              ))}
            </select>
            <FieldError errors={fieldErrors} field="priority" />
          </div>
          <fieldset className="field">
            <legend>{t('when')}</legend>
            <label>
              <input type="radio" name="when" checked={when === 'now'} onChange={() => setWhen('now')} /> {t('startNow')}
            </label>
            <label>
              <input type="radio" name="when" checked={when === 'later'} onChange={() => setWhen('later')} /> {t('startLater')}
            </label>
            {when === 'later' && (
              <input
                type="datetime-local"
                name="scheduled_at"
                required
                value={scheduledAt}
                aria-invalid={!!fieldErrors.scheduled_at}
                onChange={(e) => {
                  setScheduledAt(e.target.value);
                  clearFieldError('scheduled_at');
                }}
              />
            )}
            {when === 'later' && <FieldError errors={fieldErrors} field="scheduled_at" />}
            <label>
              <input type="radio" name="when" checked={when === 'manual'} onChange={() => setWhen('manual')} /> {t('createOnly')}
            </label>
          </fieldset>
        </div>

        <AccountChoice
          accounts={accounts}
          value={accountIds}
          onChange={(ids) => {
            setAccountIds(ids);
            clearFieldError('account_ids');
            clearFieldError('accounts');
          }}
          check={type === 'invite_to_group' ? check : null}
          error={fieldErrors.account_ids}
        />

        {type === 'invite_to_group' && check?.group_lifetime_left != null && audienceCount() > check.group_lifetime_left && (
          <p className="notice notice-warn small" data-testid="group-capacity-short">
            {t('groupCapacityShortNew', { audience: countOf(audienceCount(), t('people'), lang), left: countOf(check.group_lifetime_left, t('people'), lang) })}
          </p>
        )}
        <p className="muted small" data-testid="safe-pacing">
          {/* An invite task's pace is its group's ready admins': until a group is checked there is nothing to count. */}
          {type === 'invite_to_group' && !check ? t('safePacingNeedsGroup') : t('safePacing', pacing)}
        </p>
        <FieldError errors={fieldErrors} field="accounts" />
        <ErrorNotice error={formNotice(error, fieldErrors, t('errFixFields'))} />
        {cannotStart && (
          <p className="notice notice-warn small" data-testid="draft-hint">
            {t('cannotStartDraft')}
          </p>
        )}
        <div className="row form-buttons">
          <button type="submit" className="primary" disabled={submitting}>
            {submitting ? t('creating') : t('create')}
          </button>
          <button type="button" disabled={submitting} onClick={(e) => submit(e, true)} data-testid="save-draft">
            {t('saveAsDraft')}
          </button>
        </div>
      </form>
    </section>
  );
}
