import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Page } from '../api/types';
import { useI18n } from '../i18n';
import { ErrorNotice, FilePicker } from '../components/ui';
import { Pager } from '../components/Pager';
import { formatTime } from '../format';

interface DncEntry {
  id: number;
  username: string | null;
  user_id_platform: string | null;
  phone: string | null;
  source: 'MANUAL' | 'FILE' | 'TASK';
  source_task_id: number | null;
  note: string | null;
  created_at: string;
}
interface AddReport {
  added: number;
  already: number;
  invalid: number;
  errors: Array<{ row: number; reason: string }>;
}

const who = (e: DncEntry) => (e.username ? `@${e.username}` : (e.phone ?? e.user_id_platform ?? '—'));

/** The user's do-not-contact list: add by hand or from a file, search, page, remove. */
export function DoNotContactPage() {
  const { t, lang } = useI18n();
  const [entries, setEntries] = useState('');
  const [note, setNote] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<DncEntry> | null>(null);
  const [result, setResult] = useState<string | null>(null);
  /** Why each refused entry was refused (the server quotes the entry), shown under the result. */
  const [refused, setRefused] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const q = new URLSearchParams({ page: String(page), page_size: '25', ...(search.trim() ? { search: search.trim() } : {}) });
    try {
      setData(await api<Page<DncEntry>>(`/api/v1/invite/do-not-contact?${q}`));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [page, search]);
  useEffect(() => {
    const h = setTimeout(() => void load(), 250);
    return () => clearTimeout(h);
  }, [load]);

  /** `fromFile`: the reasons name the file's rows; typed entries are quoted by the reason itself. */
  const report = (r: AddReport, fromFile: boolean) => {
    setResult(t('dncAdded', { added: r.added, already: r.already, invalid: r.invalid }));
    setRefused(r.errors.map((e) => (fromFile ? `${t('row')} ${e.row}: ${e.reason}` : e.reason)));
  };

  async function addByHand(e: React.FormEvent) {
    e.preventDefault();
    const list = entries
      .split(/[\n,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (!list.length) return;
    setBusy(true);
    try {
      const r = await api<AddReport>('/api/v1/invite/do-not-contact', {
        method: 'POST',
        json: { entries: list, ...(note.trim() ? { note: note.trim() } : {}) },
      });
      report(r, false);
      // The refused entries stay in the box to be corrected (their rows number the entries sent, from 1); the rest is done.
      setEntries(
        r.errors
          .map((e) => list[e.row - 1])
          .filter(Boolean)
          .join('\n'),
      );
      if (!r.errors.length) setNote('');
      setError(null);
      setPage(1);
      await load();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function upload(f: File | null) {
    if (!f) return;
    const form = new FormData();
    form.append('file', f);
    setBusy(true);
    try {
      report(await api<AddReport>('/api/v1/invite/do-not-contact/file', { method: 'POST', body: form }), true);
      setError(null);
      setPage(1);
      await load();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function remove(e: DncEntry) {
    if (!window.confirm(t('dncConfirmRemove', { who: who(e) }))) return;
    try {
      await api(`/api/v1/invite/do-not-contact/${e.id}`, { method: 'DELETE' });
      setError(null);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <section data-testid="dnc-page">
      <h1>{t('doNotContact')}</h1>
      <p className="muted">{t('dncIntro')}</p>
      <ErrorNotice error={error} />
      {result && (
        <div className="notice" role="status">
          <div data-testid="dnc-result">{result}</div>
          {refused.length > 0 && (
            <ul className="small" data-testid="dnc-refused">
              {refused.slice(0, 20).map((reason, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole, never reordered
                <li key={i}>{reason}</li>
              ))}
              {refused.length > 20 && <li className="muted">{t('andMore', { n: refused.length - 20 })}</li>}
            </ul>
          )}
        </div>
      )}
      <div className="two-col">
        <form className="card form" style={{ minWidth: 0 }} onSubmit={addByHand}>
          <h3>{t('dncAddByHand')}</h3>
          <div className="field">
            <label htmlFor="dnc-entries">{t('dncEntries')}</label>
            <textarea
              id="dnc-entries"
              rows={4}
              value={entries}
              onChange={(e) => setEntries(e.target.value)}
              placeholder={'@jane_doe\nhttps://t.me/john_doe\n+79161234567'}
            />
          </div>
          <div className="field">
            <label htmlFor="dnc-note">{t('dncNote')}</label>
            <input id="dnc-note" maxLength={200} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          <button type="submit" className="primary" disabled={busy || !entries.trim()}>
            {t('dncAdd')}
          </button>
        </form>
        <div className="card form" style={{ minWidth: 0 }}>
          <h3>{t('dncUpload')}</h3>
          <FilePicker
            label={t('dncUpload')}
            accept=".csv,.tsv,.txt,.json,.xlsx"
            disabled={busy}
            fileName={null}
            resetAfterChoice
            onFile={(f) => void upload(f)}
          />
          <p className="muted small">{t('dncFileHint')}</p>
        </div>
      </div>
      <div className="card">
        <div className="toolbar">
          <h3 data-testid="dnc-count">{data ? t(search.trim() ? 'dncFound' : 'dncCount', { n: data.total }) : t('doNotContact')}</h3>
          <input
            type="search"
            aria-label={t('dncSearch')}
            placeholder={t('dncSearch')}
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setPage(1);
            }}
          />
        </div>
        {data && data.items.length === 0 ? (
          <p className="muted" data-testid="dnc-empty">
            {t(search.trim() ? 'dncNoMatch' : 'dncEmpty')}
          </p>
        ) : (
          <div className="table-wrap">
            <table data-testid="dnc-list">
              <tbody>
                {data?.items.map((e) => (
                  <tr key={e.id}>
                    <td>{who(e)}</td>
                    <td className="small muted">
                      {e.source === 'TASK' ? t('dncSource_TASK', { id: e.source_task_id ?? '' }) : t(`dncSource_${e.source}` as never)}
                      {e.note ? ` · ${e.note}` : ''}
                    </td>
                    <td className="small muted">{formatTime(e.created_at, lang)}</td>
                    <td>
                      <button type="button" onClick={() => remove(e)}>
                        {t('dncRemove')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data && <Pager page={page} pages={data.pages} total={data.total} onPage={setPage} />}
      </div>
    </section>
  );
}
