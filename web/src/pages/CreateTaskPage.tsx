import { useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../api/client';
import {
  messageTaskName,
  PRIORITIES,
  renderTemplate,
  type AccountJson,
  type ImportReport,
  type ParsingBase,
  type Priority,
  type TaskJson,
  type TaskType,
} from '../api/types';
import { useI18n } from '../i18n';
import { ErrorNotice, FilePicker } from '../components/ui';
import { countOf } from '../format';
import { navigate } from '../router';
import { GroupCheckPanel, useGroupCheck } from '../components/GroupCheck';

/** The template as the example person of the preview (livePreview: @jane_doe, Jane) receives it. */
function renderPreview(template: string) {
  return renderTemplate(template, { username: 'jane_doe', first_name: 'Jane', last_name: null, user_id_platform: null, phone: null });
}

interface BasePreview {
  total: number;
  /** How many people a new task takes (the server's cap). */
  room: number;
  /** Audience hygiene among the contacts shown. */
  already_invited: number;
  do_not_contact: number;
  items: Array<{
    row: number;
    valid: boolean;
    username?: string | null;
    user_id?: string | null;
    phone_masked?: string | null;
    first_name?: string | null;
    last_name?: string | null;
    reason?: string;
    skip?: string | null;
  }>;
}

/** "N already invited/in the group", "M on the do-not-contact list": people the import will add as skipped. */
function HygieneCounts({ alreadyInvited, doNotContact }: { alreadyInvited: number; doNotContact: number }) {
  const { t } = useI18n();
  return (
    <>
      {alreadyInvited > 0 && (
        <p className="notice notice-warn small" data-testid="preview-already-invited">
          {t('previewAlreadyInvited', { n: alreadyInvited })}
        </p>
      )}
      {doNotContact > 0 && (
        <p className="notice notice-warn small" data-testid="preview-do-not-contact">
          {t('previewDoNotContact', { n: doNotContact })}
        </p>
      )}
    </>
  );
}
const BASE_PREVIEW_ROWS = 10;

/** Above these sizes the audience is imported in the background instead of while the form waits. */
const BACKGROUND_FILE_BYTES = 1024 * 1024;
const BACKGROUND_BASE_ROWS = 5000;

/** The server's limits, checked here first so the user reads them at the field before sending anything. */
const MAX_NAME_LENGTH = 200;
const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** The form's fields that can carry an error (the server's `details[].field` names). */
const FORM_FIELDS = ['name', 'target_group', 'message_template', 'scheduled_at', 'priority', 'file', 'audience', 'accounts'] as const;
type FormField = (typeof FORM_FIELDS)[number];
type FieldErrors = Partial<Record<FormField, string>>;

function FieldError({ errors, field }: { errors: FieldErrors; field: FormField }) {
  const text = errors[field];
  return text ? (
    <div className="error-text small" role="alert" data-testid={`error-${field}`}>
      {text}
    </div>
  ) : null;
}

/** "23 нояб." / "23 Nov" today, as the server dates auto names. */
function todayShort(lang: string) {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short' }).format(new Date());
}

export function CreateTaskPage() {
  const { t, lang, reason } = useI18n();
  const [type, setType] = useState<TaskType>('invite_to_group');
  const [group, setGroup] = useState('');
  const [name, setName] = useState('');
  const [nameEdited, setNameEdited] = useState(false);
  const [template, setTemplate] = useState('');
  const [priority, setPriority] = useState<Priority>('MEDIUM');
  const [when, setWhen] = useState<'now' | 'later' | 'manual'>('now');
  const [scheduledAt, setScheduledAt] = useState('');
  const { check, checking } = useGroupCheck(type === 'invite_to_group' ? group : '');
  const [source, setSource] = useState<'file' | 'base'>('file');
  const [bases, setBases] = useState<ParsingBase[] | null>(null);
  const [basesError, setBasesError] = useState<unknown>(null);
  const [baseId, setBaseId] = useState('');
  const [basePreview, setBasePreview] = useState<BasePreview | null>(null);
  const [basePreviewError, setBasePreviewError] = useState<unknown>(null);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportReport | null>(null);
  const [accounts, setAccounts] = useState<AccountJson[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [submitting, setSubmitting] = useState(false);
  /** The server refused: the task could not start (TASK_CANNOT_START); «Save as draft» is the way to keep it. */
  const [cannotStart, setCannotStart] = useState(false);
  const clearFieldError = (field: FormField) => setFieldErrors((fe) => (fe[field] ? { ...fe, [field]: undefined } : fe));
  const nameTooLong = (value: string) =>
    value.trim().length > MAX_NAME_LENGTH ? t('errNameTooLong', { max: MAX_NAME_LENGTH, n: value.trim().length }) : undefined;

  useEffect(() => {
    const load = () => {
      setBasesError(null);
      api<{ items: ParsingBase[] }>('/api/v1/invite/import/parsing/bases').then(
        (r) => setBases(r.items),
        (e) => setBasesError(e),
      );
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

  // The group the admin check found: previews count who is already invited into it (audience hygiene).
  const groupKey = type === 'invite_to_group' ? (check?.group?.key ?? null) : null;

  // The first contacts of the chosen base, so the user sees who will be imported before creating the task.
  useEffect(() => {
    setBasePreview(null);
    setBasePreviewError(null);
    if (!baseId) return;
    let live = true;
    const q = new URLSearchParams({ limit: String(BASE_PREVIEW_ROWS), ...(groupKey ? { group_key: groupKey } : {}) });
    api<BasePreview>(`/api/v1/invite/import/parsing/bases/${encodeURIComponent(baseId)}/preview?${q}`).then(
      (p) => {
        if (live) setBasePreview(p);
      },
      (e) => {
        if (live) setBasePreviewError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [baseId, groupKey]);

  /** A server error in the reader's language when its code is known here, else the server's own sentence. */
  const errorText = (e: unknown) => {
    if (e instanceof ApiError) {
      const key = `err_${e.code}`;
      const text = t(key as never);
      if (text !== key) return text;
    }
    return (e as Error).message;
  };

  // The name the check suggests (the group's title), until the user types one.
  useEffect(() => {
    if (!nameEdited && check?.suggested_name) setName(check.suggested_name);
  }, [check, nameEdited]);

  useEffect(() => {
    if (type === 'direct_message' && !nameEdited)
      setName(template ? `${messageTaskName(template, lang === 'ru' ? 'Сообщения' : 'Messages')} · ${todayShort(lang)}` : '');
  }, [template, type, nameEdited, lang]);

  function chooseFile(f: File | null) {
    if (f && f.size > MAX_FILE_BYTES) {
      setFieldErrors((fe) => ({ ...fe, file: t('errFileTooLarge', { mb: MAX_FILE_BYTES / 1024 / 1024 }) }));
      setFile(null);
      return;
    }
    clearFieldError('file');
    setFile(f);
  }

  /** The server's limits, checked in the browser first; each problem at its field. */
  function checkFields(): FieldErrors {
    const fe: FieldErrors = {};
    const tooLong = nameTooLong(name);
    if (tooLong) fe.name = tooLong;
    if (type === 'invite_to_group' && group.trim().length < 2) fe.target_group = t('errGroupRequired');
    if (type === 'direct_message' && !template.trim()) fe.message_template = t('errTemplateRequired');
    if (when === 'later') {
      const at = scheduledAt ? new Date(scheduledAt) : null;
      if (!at || Number.isNaN(at.getTime())) fe.scheduled_at = t('errScheduledMissing');
      else if (at.getTime() <= Date.now()) fe.scheduled_at = t('errScheduledPast');
    }
    if (file && file.size > MAX_FILE_BYTES) fe.file = t('errFileTooLarge', { mb: MAX_FILE_BYTES / 1024 / 1024 });
    return fe;
  }

  // The file's dry run, again when the group changes (the counts of people already invited depend on it).
  useEffect(() => {
    setPreview(null);
    if (!file) return;
    let live = true;
    const form = new FormData();
    form.append('file', file);
    const q = new URLSearchParams({ dry_run: 'true', ...(groupKey ? { group_key: groupKey } : {}) });
    api<ImportReport>(`/api/v1/invite/import/file?${q}`, { method: 'POST', body: form }).then(
      (p) => {
        if (live) {
          setPreview(p);
          setError(null);
        }
      },
      (e) => {
        if (!live) return;
        // A file the server cannot take is the file field's problem (said in the UI's language by the server).
        if (e instanceof ApiError && ['FILE_TOO_LARGE', 'TOO_LARGE', 'MALFORMED_FILE'].includes(e.code)) setFieldErrors((fe) => ({ ...fe, file: e.message }));
        else setError((e as Error).message);
        setFile(null);
      },
    );
    return () => {
      live = false;
    };
  }, [file, groupKey]);

  const activeAccounts = accounts.filter((a) => !['BANNED', 'DEAUTHORIZED', 'DISABLED'].includes(a.status)).length;
  const pacing = useMemo(
    () =>
      type === 'invite_to_group'
        ? { n: check?.safe_pacing_per_day ?? 0, k: check?.ready.length ?? 0 }
        : { n: activeAccounts * (accounts[0]?.usage_today.messages_limit ?? 40), k: activeAccounts },
    [type, check, activeAccounts, accounts],
  );

  /** Create (and start unless «create only»), or with `draft` save whatever is missing: the task keeps the reason. */
  /** How many people the import right after the create brings (the file's dry run, or the chosen base). */
  const audienceCount = () =>
    source === 'file' ? (preview?.imported ?? (file ? 1 : 0)) : baseId ? (bases?.find((b) => String(b.task_id) === baseId)?.total_results ?? 1) : 0;

  async function submit(e: React.FormEvent, draft = false) {
    e.preventDefault();
    setCannotStart(false);
    const fe = checkFields();
    setFieldErrors(fe);
    if (Object.values(fe).some(Boolean)) {
      setError(t('errFixFields'));
      return;
    }
    if (!draft && ((source === 'file' && !file) || (source === 'base' && !baseId))) {
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
        },
      });
      const start = when !== 'manual' && !draft;
      // Big audiences are imported by a background job that also starts the task once the audience is in;
      // the task page shows its progress.
      const background =
        source === 'file'
          ? (file?.size ?? 0) > BACKGROUND_FILE_BYTES
          : (bases?.find((b) => String(b.task_id) === baseId)?.total_results ?? 0) > BACKGROUND_BASE_ROWS;
      if (source === 'file' && file) {
        const form = new FormData();
        form.append('file', file);
        const q = new URLSearchParams({ task_id: String(created.id), ...(background ? { background: 'true', start: String(start) } : {}) });
        await api(`/api/v1/invite/import/file?${q}`, { method: 'POST', body: form });
      } else if (source === 'base' && baseId) {
        await api('/api/v1/invite/import/parsing', {
          method: 'POST',
          json: { task_id: created.id, parsing_task_id: baseId, ...(background ? { background, start } : {}) },
        });
      }
      if (start && !background) await api(`/api/v1/invite/tasks/${created.id}/start`, { method: 'POST' });
      navigate(`/tasks/${created.id}`);
    } catch (err) {
      // Validation problems the server found are shown at their fields (in the UI's language: the server answers in it).
      const details = err instanceof ApiError ? (err.body as { details?: unknown } | undefined)?.details : undefined;
      if (!created && Array.isArray(details)) {
        const fromServer: FieldErrors = {};
        const rest: string[] = [];
        for (const d of details as Array<{ field?: string; message?: string }>) {
          if (d && FORM_FIELDS.includes(d.field as FormField) && d.message) fromServer[d.field as FormField] ??= d.message;
          else if (d?.message) rest.push(d.field ? `${d.field}: ${d.message}` : d.message);
        }
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
              setFieldErrors((fe) => ({ ...fe, name: nameTooLong(e.target.value) }));
            }}
          />
          <FieldError errors={fieldErrors} field="name" />
        </div>

        <fieldset className="field">
          <legend>{t('audience')}</legend>
          <div className="segmented">
            <label>
              <input type="radio" name="source" checked={source === 'file'} onChange={() => setSource('file')} /> {t('fromFile')}
            </label>
            <label>
              <input type="radio" name="source" checked={source === 'base'} onChange={() => setSource('base')} /> {t('fromBase')}
            </label>
          </div>
          {source === 'file' ? (
            <>
              <FilePicker name="file" accept=".csv,.tsv,.txt,.json,.xlsx" label={t('fromFile')} fileName={file?.name ?? null} onFile={chooseFile} />
              <FieldError errors={fieldErrors} field="file" />
              <FieldError errors={fieldErrors} field="audience" />
              <p className="muted small">{t('fileHint')}</p>
              {preview && (
                <div className="preview" data-testid="file-preview">
                  <p>
                    <strong>{preview.imported}</strong> {t('valid')} · {preview.duplicates} {t('duplicates')} · {preview.invalid} {t('invalid')}
                    {preview.over_limit > 0 && (
                      <>
                        {' · '}
                        {preview.over_limit} {t('overLimit')}
                      </>
                    )}
                  </p>
                  {preview.over_limit > 0 && preview.room !== null && (
                    <p className="notice notice-warn small" data-testid="over-cap">
                      {t('overCap', { room: preview.room, over: preview.over_limit })}
                    </p>
                  )}
                  <HygieneCounts alreadyInvited={preview.already_invited} doNotContact={preview.do_not_contact} />
                  <table>
                    <tbody>
                      {preview.preview.map((p) => (
                        <tr key={p.row}>
                          <td>{p.row}</td>
                          <td>{p.username ? `@${p.username}` : (p.phone ?? p.user_id_platform)}</td>
                          <td>{[p.first_name, p.last_name].filter(Boolean).join(' ')}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {preview.errors.slice(0, 5).map((er) => (
                    <p key={er.row} className="small error-text">
                      {t('row')} {er.row}: {er.reason}
                    </p>
                  ))}
                </div>
              )}
            </>
          ) : basesError ? (
            <ErrorNotice error={t('basesUnavailable', { reason: errorText(basesError) })} />
          ) : bases?.length === 0 ? (
            <p className="muted">{t('noBases')}</p>
          ) : (
            <>
              <select value={baseId} onChange={(e) => setBaseId(e.target.value)} aria-label={t('fromBase')} name="parsing_base">
                <option value="">{t('chooseBase')}</option>
                {/* Empty bases are listed, so the user sees them, but cannot be chosen. */}
                {bases?.map((b) => (
                  <option key={b.task_id} value={b.task_id} disabled={!b.importable}>
                    {b.title} — {b.importable ? countOf(b.total_results, t('results'), lang) : t('baseEmpty')}
                  </option>
                ))}
              </select>
              {baseId && !basePreview && !basePreviewError && <p className="muted small">{t('basePreviewLoading')}</p>}
              {basePreviewError ? <ErrorNotice error={t('basePreviewFailed', { reason: errorText(basePreviewError) })} /> : null}
              {basePreview && (
                <div className="preview" data-testid="base-preview">
                  <p>{t('basePreview', { total: basePreview.total, n: basePreview.items.length })}</p>
                  {basePreview.total > basePreview.room && (
                    <p className="notice notice-warn small" data-testid="over-cap">
                      {t('overCapBase', { total: basePreview.total, room: basePreview.room })}
                    </p>
                  )}
                  <HygieneCounts alreadyInvited={basePreview.already_invited ?? 0} doNotContact={basePreview.do_not_contact ?? 0} />
                  <table>
                    <tbody>
                      {basePreview.items.map((p) => (
                        <tr key={p.row}>
                          <td>{p.row}</td>
                          {p.valid ? (
                            <>
                              <td>{p.username ? `@${p.username}` : (p.phone_masked ?? p.user_id)}</td>
                              <td>
                                {[p.first_name, p.last_name].filter(Boolean).join(' ') || <span className="muted">{t('noName')}</span>}
                                {p.skip ? <span className="muted small"> · {reason(p.skip, p.skip)}</span> : null}
                              </td>
                            </>
                          ) : (
                            <td colSpan={2} className="error-text small">
                              {p.reason}
                            </td>
                          )}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
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
            {template && (
              <div className="message-preview">
                <span className="small muted">{t('livePreview')}</span>
                <p>{renderPreview(template)}</p>
              </div>
            )}
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

        <p className="muted small" data-testid="safe-pacing">
          {t('safePacing', pacing)}
        </p>
        <FieldError errors={fieldErrors} field="accounts" />
        <ErrorNotice error={error} />
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
