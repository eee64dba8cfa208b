import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { ImportReport, ParsingBase, PreviewSkip } from '../api/types';
import { useI18n, type T } from '../i18n';
import { countOf } from '../format';
import { ErrorNotice, FilePicker } from './ui';
import { FieldError } from './FieldError';
import { errorText } from '../error-text';
import { useServerInfo } from '../server-info';

/** Above these sizes the audience is imported in the background instead of while the page waits. */
export const BACKGROUND_FILE_BYTES = 1024 * 1024;
export const BACKGROUND_BASE_ROWS = 5000;

/** The server's upload limit, checked here first so the user reads it at the field before sending anything. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const BASE_PREVIEW_ROWS = 10;
/** Refusals of the file itself, said at the file field (in the UI's language: the server answers in it). */
const FILE_REFUSALS = ['FILE_TOO_LARGE', 'TOO_LARGE', 'MALFORMED_FILE'];

interface BasePreview {
  total: number;
  /** How many people the task (or a new task: the server's cap) takes. */
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
    skip?: PreviewSkip | null;
  }>;
}

/**
 * The audience being chosen — a file with its dry run, or a Parsing Service base with its first contacts — for a new
 * task (`groupKey`: the group the admin check found, so the previews count who is already invited into it) or for an
 * existing one (`taskId`: the dry run and the base preview are made for it, so their room, duplicates and hygiene are that
 * task's).
 */
export function useAudience({ groupKey = null, taskId }: { groupKey?: string | null; taskId?: number }) {
  const { t, lang } = useI18n();
  const { parsingConfigured } = useServerInfo();
  const [source, setSource] = useState<'file' | 'base'>('file');
  const [bases, setBases] = useState<ParsingBase[] | null>(null);
  const [basesError, setBasesError] = useState<unknown>(null);
  const [baseId, setBaseId] = useState('');
  const [basePreview, setBasePreview] = useState<BasePreview | null>(null);
  const [basePreviewError, setBasePreviewError] = useState<unknown>(null);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportReport | null>(null);
  /** The file field's problem: too large here, or refused by the server's dry run. */
  const [fileError, setFileError] = useState<string | null>(null);
  /** The dry run failed for another reason (the task finished meanwhile, the server is down…). */
  const [previewError, setPreviewError] = useState<string | null>(null);

  // Learnt after the page opened (the server's self-description arrives a moment later): back to the file.
  useEffect(() => {
    if (!parsingConfigured) setSource('file');
  }, [parsingConfigured]);
  // The bases are asked for when the user turns to them: someone uploading a file costs the Parsing Service nothing.
  const wantBases = source === 'base' && parsingConfigured;
  useEffect(() => {
    if (!wantBases) return;
    const load = () => {
      setBasesError(null);
      api<{ items: ParsingBase[] }>('/api/v1/invite/import/parsing/bases').then(
        (r) => setBases(r.items),
        (e) => setBasesError(e),
      );
    };
    load();
    // Opened before signing in (or with an expired token): load again once the user has signed in.
    window.addEventListener('auth-changed', load);
    return () => window.removeEventListener('auth-changed', load);
  }, [wantBases]);

  // The first contacts of the chosen base, so the user sees who will be imported before importing.
  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is a trigger (the server writes the rows' reasons in it)
  useEffect(() => {
    setBasePreview(null);
    setBasePreviewError(null);
    if (!baseId) return;
    let live = true;
    const q = new URLSearchParams({
      limit: String(BASE_PREVIEW_ROWS),
      ...(taskId !== undefined ? { task_id: String(taskId) } : {}),
      ...(groupKey ? { group_key: groupKey } : {}),
    });
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
  }, [baseId, groupKey, taskId, lang]);

  // The file's dry run, again when the group changes (the counts of people already invited depend on it) and when the
  // language does (the server writes the rows' errors in it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is a trigger, not an input
  useEffect(() => {
    setPreview(null);
    setPreviewError(null);
    if (!file) return;
    let live = true;
    const form = new FormData();
    form.append('file', file);
    const q = new URLSearchParams({
      dry_run: 'true',
      ...(taskId !== undefined ? { task_id: String(taskId) } : {}),
      ...(groupKey ? { group_key: groupKey } : {}),
    });
    api<ImportReport>(`/api/v1/invite/import/file?${q}`, { method: 'POST', body: form }).then(
      (p) => {
        if (live) setPreview(p);
      },
      (e) => {
        if (!live) return;
        if (e instanceof ApiError && FILE_REFUSALS.includes(e.code)) setFileError(e.message);
        else setPreviewError((e as Error).message);
        setFile(null);
      },
    );
    return () => {
      live = false;
    };
  }, [file, groupKey, taskId, lang]);

  function chooseFile(f: File | null) {
    if (f && f.size > MAX_FILE_BYTES) {
      setFileError(t('errFileTooLarge', { mb: MAX_FILE_BYTES / 1024 / 1024 }));
      setFile(null);
      return;
    }
    setFileError(null);
    setFile(f);
  }

  const base = bases?.find((b) => String(b.task_id) === baseId) ?? null;
  return {
    forTask: taskId !== undefined,
    parsingConfigured,
    source,
    setSource,
    file,
    chooseFile,
    fileError,
    preview,
    previewError,
    bases,
    basesError,
    baseId,
    setBaseId,
    base,
    basePreview,
    basePreviewError,
    chosen: source === 'file' ? !!file : !!baseId,
    background: source === 'file' ? (file?.size ?? 0) > BACKGROUND_FILE_BYTES : (base?.total_results ?? 0) > BACKGROUND_BASE_ROWS,
  };
}

export type Audience = ReturnType<typeof useAudience>;

/** The first people of the chosen audience that will be added (the file's dry run, or the base's first contacts). */
export function audiencePeople(a: Audience): Array<{ username: string | null; first_name: string | null }> {
  const rows = a.source === 'file' ? (a.preview?.preview ?? []) : (a.basePreview?.items ?? []).filter((i) => i.valid);
  return rows.filter((r) => !r.skip).map((r) => ({ username: r.username ?? null, first_name: r.first_name ?? null }));
}

/**
 * Imports the chosen audience into a task: a big one as a background job (`start`: the job starts the task once the
 * audience is in), else at once. Answers the import's report, or null when a background job took it (the task page's
 * jobs panel follows it).
 */
export async function importAudience(a: Audience, taskId: number, start = false): Promise<ImportReport | null> {
  let report: ImportReport;
  if (a.source === 'file' && a.file) {
    const form = new FormData();
    form.append('file', a.file);
    const q = new URLSearchParams({ task_id: String(taskId), ...(a.background ? { background: 'true', start: String(start) } : {}) });
    report = await api<ImportReport>(`/api/v1/invite/import/file?${q}`, { method: 'POST', body: form });
  } else if (a.source === 'base' && a.baseId) {
    report = await api<ImportReport>('/api/v1/invite/import/parsing', {
      method: 'POST',
      json: { task_id: taskId, parsing_task_id: a.baseId, ...(a.background ? { background: true, start } : {}) },
    });
  } else return null;
  return a.background ? null : report;
}

/** The cap warning: for a new task, for an existing task with room left, or for an existing task that is full. */
function capWarning(t: T, forTask: boolean, vars: { room: number; over?: number; total?: number }): string {
  if (forTask && vars.room === 0) return t('overCapTaskFull');
  if (vars.total !== undefined) return t(forTask ? 'overCapBaseTask' : 'overCapBase', vars);
  return t(forTask ? 'overCapTask' : 'overCap', vars);
}

/** "N already invited/in the group", "M on the do-not-contact list": people the import will add as skipped. */
function HygieneCounts({ alreadyInvited, doNotContact }: { alreadyInvited: number; doNotContact: number }) {
  const { t, lang } = useI18n();
  return (
    <>
      {alreadyInvited > 0 && (
        <p className="notice notice-warn small" data-testid="preview-already-invited">
          {countOf(alreadyInvited, t('previewAlreadyInvited'), lang)}
        </p>
      )}
      {doNotContact > 0 && (
        <p className="notice notice-warn small" data-testid="preview-do-not-contact">
          {countOf(doNotContact, t('previewDoNotContact'), lang)}
        </p>
      )}
    </>
  );
}

/** The file's dry run: its counts, the cap, hygiene, the reader's notes, the first rows and the first row errors. */
function FilePreview({ preview, forTask }: { preview: ImportReport; forTask: boolean }) {
  const { t } = useI18n();
  return (
    <div className="preview" data-testid="file-preview">
      <p data-testid="file-preview-counts">
        {[
          t('previewValid', { n: preview.imported }),
          forTask ? t('addPeopleRepeatedOrInTask', { n: preview.duplicates }) : t('previewRepeated', { n: preview.duplicates }),
          t('previewInvalid', { n: preview.invalid }),
          ...(preview.over_limit > 0 ? [t('previewOverLimit', { n: preview.over_limit })] : []),
        ].join(' · ')}
      </p>
      {preview.over_limit > 0 && preview.room !== null && (
        <p className="notice notice-warn small" data-testid="over-cap">
          {capWarning(t, forTask, { room: preview.room, over: preview.over_limit })}
        </p>
      )}
      <HygieneCounts alreadyInvited={preview.already_invited} doNotContact={preview.do_not_contact} />
      {/* What reading the file did (title rows skipped, another sheet read): said by the server in the UI's language. */}
      {preview.notes?.map((n) => (
        <p key={n.code} className="notice notice-info small" data-testid="file-preview-note" data-code={n.code}>
          {n.message}
        </p>
      ))}
      <table>
        <tbody>
          {preview.preview.map((p) => (
            <tr key={p.row} data-skip={p.skip ?? undefined}>
              <td>{p.row}</td>
              <td>{personIds(p.username, p.phone, p.user_id_platform)}</td>
              <td>
                {[p.first_name, p.last_name].filter(Boolean).join(' ')}
                <SkipMark skip={p.skip} />
              </td>
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
  );
}

/** A previewed person's identifiers, each one read (a phone beside a username is one more way to find them). */
const personIds = (username: string | null | undefined, phone: string | null | undefined, id: string | number | null | undefined) =>
  [username ? `@${username}` : null, phone, username || phone ? null : id].filter(Boolean).join(' · ');

const SKIP_TEXT = {
  REPEATED: 'skipRepeated',
  IN_TASK: 'skipInTask',
  OVER_LIMIT: 'skipOverLimit',
  ALREADY_INVITED: 'skipAlreadyInvited',
  DO_NOT_CONTACT: 'skipDoNotContact',
} as const satisfies Record<PreviewSkip, string>;

/** Beside a previewed person: why the import will not add them to be invited (nothing when it will). */
function SkipMark({ skip }: { skip?: PreviewSkip | null }) {
  const { t } = useI18n();
  return skip ? <span className="muted small"> · {t(SKIP_TEXT[skip])}</span> : null;
}

/** The base's first contacts, with the cap and hygiene among them. */
function BasePreviewTable({ audience: a }: { audience: Audience }) {
  const { t } = useI18n();
  const p = a.basePreview;
  if (!p) return null;
  return (
    <div className="preview" data-testid="base-preview">
      <p>{t('basePreview', { total: p.total, n: p.items.length })}</p>
      {p.total > p.room && (
        <p className="notice notice-warn small" data-testid="over-cap">
          {capWarning(t, a.forTask, { total: p.total, room: p.room })}
        </p>
      )}
      <HygieneCounts alreadyInvited={p.already_invited ?? 0} doNotContact={p.do_not_contact ?? 0} />
      <table>
        <tbody>
          {p.items.map((row) => (
            <tr key={row.row} data-skip={row.skip ?? undefined}>
              <td>{row.row}</td>
              {row.valid ? (
                <>
                  <td>{personIds(row.username, row.phone_masked, row.user_id)}</td>
                  <td>
                    {[row.first_name, row.last_name].filter(Boolean).join(' ') || <span className="muted">{t('noName')}</span>}
                    <SkipMark skip={row.skip} />
                  </td>
                </>
              ) : (
                <td colSpan={2} className="error-text small">
                  {row.reason}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The Parsing Service bases to choose from (empty ones listed but not choosable) and the chosen one's preview. */
function BaseChoice({ audience: a }: { audience: Audience }) {
  const { t, lang } = useI18n();
  if (a.basesError) return <ErrorNotice error={t('basesUnavailable', { reason: errorText(a.basesError, t) })} />;
  if (a.bases?.length === 0) return <p className="muted">{t('noBases')}</p>;
  return (
    <>
      <select value={a.baseId} onChange={(e) => a.setBaseId(e.target.value)} aria-label={t('fromBase')} name="parsing_base">
        <option value="">{t('chooseBase')}</option>
        {/* Empty bases are listed, so the user sees them, but cannot be chosen. */}
        {a.bases?.map((b) => (
          <option key={b.task_id} value={b.task_id} disabled={!b.importable}>
            {b.title} — {b.importable ? countOf(b.total_results, t('results'), lang) : t('baseEmpty')}
          </option>
        ))}
      </select>
      {a.baseId && !a.basePreview && !a.basePreviewError && <p className="muted small">{t('basePreviewLoading')}</p>}
      {a.basePreviewError ? <ErrorNotice error={t('basePreviewFailed', { reason: errorText(a.basePreviewError, t) })} /> : null}
      <BasePreviewTable audience={a} />
    </>
  );
}

/**
 * The audience picker: a file (with its dry run) or a Parsing Service base (with its first contacts). `errors` are the
 * form's own refusals for these fields (the server's `details[].field`), shown where the picker's are.
 */
export function AudiencePicker({ audience: a, errors = {} }: { audience: Audience; errors?: { file?: string; audience?: string } }) {
  const { t } = useI18n();
  return (
    <>
      <div className="segmented">
        <label>
          <input type="radio" name="source" checked={a.source === 'file'} onChange={() => a.setSource('file')} /> {t('fromFile')}
        </label>
        <label className={a.parsingConfigured ? undefined : 'muted'}>
          <input type="radio" name="source" checked={a.source === 'base'} disabled={!a.parsingConfigured} onChange={() => a.setSource('base')} />{' '}
          {t('fromBase')}
        </label>
      </div>
      {!a.parsingConfigured && (
        <p className="muted small" data-testid="parsing-not-connected">
          {t('parsingNotConnected')}
        </p>
      )}
      {a.source === 'file' ? (
        <>
          <FilePicker name="file" accept=".csv,.tsv,.txt,.json,.xlsx" label={t('fromFile')} fileName={a.file?.name ?? null} onFile={a.chooseFile} />
          <FieldError field="file" text={a.fileError ?? errors.file} />
          <FieldError field="audience" text={errors.audience} />
          <ErrorNotice error={a.previewError} />
          <p className="muted small">{t('fileHint')}</p>
          {a.preview && <FilePreview preview={a.preview} forTask={a.forTask} />}
        </>
      ) : (
        <BaseChoice audience={a} />
      )}
    </>
  );
}
