import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Page } from '../api/types';
import { Pager } from '../components/Pager';
import { ErrorNotice } from '../components/ui';
import { formatTime } from '../format';
import { useI18n } from '../i18n';

interface AuditEntry {
  id: number;
  action: string;
  entity: string;
  entity_id: string | null;
  /** What happened, in the UI's language (the server writes it). */
  text: string;
  /** The task or account is still there to open. */
  exists: boolean;
  created_at: string;
}

/** Where an entry's object can be opened: its task's page, or the accounts page. */
const linkOf = (e: AuditEntry): string | null =>
  !e.exists ? null : e.entity === 'task' && e.entity_id ? `#/tasks/${e.entity_id}` : e.entity === 'account' ? '#/accounts' : null;

/**
 * The journal: what the user did and when (tasks created, started, edited, deleted; people added; accounts connected;
 * the do-not-contact list and the webhook changed), newest first, each a sentence in the UI's language.
 */
export function AuditPage() {
  const { t, lang } = useI18n();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<AuditEntry> | null>(null);
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is a trigger (the server writes the sentences in it)
  useEffect(() => {
    let live = true;
    api<Page<AuditEntry>>(`/api/v1/invite/audit?page=${page}&page_size=50`).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [page, lang]);
  return (
    <div>
      <h1>{t('auditTitle')}</h1>
      <p className="muted small">{t('auditHint')}</p>
      <ErrorNotice error={error} />
      {data && data.items.length === 0 && (
        <p className="muted" data-testid="audit-empty">
          {t('auditEmpty')}
        </p>
      )}
      {data && data.items.length > 0 && (
        <div className="card">
          <ul className="feed feed-page" data-testid="audit">
            {data.items.map((e) => {
              const href = linkOf(e);
              return (
                <li key={e.id} data-action={e.action}>
                  <span className="muted small">{formatTime(e.created_at, lang)}</span> {href ? <a href={href}>{e.text}</a> : e.text}
                </li>
              );
            })}
          </ul>
          <Pager page={data.page} pages={data.pages} total={data.total} onPage={setPage} />
        </div>
      )}
    </div>
  );
}
