import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { useI18n } from '../i18n';
import { countOf, formatTime } from '../format';
import { ErrorNotice } from './ui';

/** GET /groups/check: the group as the user's accounts see it, who may invite into it, and who may not and why. */
export interface GroupCheck {
  group: { key: string; title: string; kind: string } | null;
  ready: Array<{ account_id: number; label: string; remaining_today: number }>;
  unavailable: Array<{ account_id: number; label: string; reason: string; available_at: string | null }>;
  error: string | null;
  suggested_name: string | null;
  safe_pacing_per_day: number;
  /** Invites into this group the admin accounts may still make, ever (each has 200 for good; attempts count). */
  group_lifetime_left: number | null;
}

/**
 * The admin check while a group link is typed (debounced), and again in the new language when it changes: the
 * server words the reasons. An empty or one-letter link checks nothing. Used by the create form and the task's edit.
 */
export function useGroupCheck(link: string): { check: GroupCheck | null; checking: boolean } {
  const { lang } = useI18n();
  const [check, setCheck] = useState<GroupCheck | null>(null);
  const [checking, setChecking] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: lang is a trigger (the server answers in it)
  useEffect(() => {
    if (link.trim().length < 2) {
      setCheck(null);
      return;
    }
    setChecking(true);
    const h = setTimeout(async () => {
      try {
        setCheck(await api<GroupCheck>(`/api/v1/invite/groups/check?link=${encodeURIComponent(link.trim())}`));
      } catch (e) {
        setCheck({
          group: null,
          ready: [],
          unavailable: [],
          error: (e as Error).message,
          suggested_name: null,
          safe_pacing_per_day: 0,
          group_lifetime_left: null,
        });
      } finally {
        setChecking(false);
      }
    }, 600);
    return () => clearTimeout(h);
  }, [link, lang]);
  return { check, checking };
}

/** What the check found: the group, the accounts that may invite with today's room, the others with their reason. */
export function GroupCheckPanel({ check, checking }: { check: GroupCheck | null; checking: boolean }) {
  const { t, lang } = useI18n();
  return (
    <>
      {checking && <p className="muted small">{t('checking')}</p>}
      {check && !checking && (
        <div className="group-check" data-testid="group-check">
          {check.group ? (
            <p>
              <strong>{check.group.title}</strong>{' '}
              <span className="muted small">
                {t(`groupKind_${check.group.kind}` as 'groupKind_megagroup')} · {check.group.key}
              </span>
            </p>
          ) : (
            <ErrorNotice error={check.error} />
          )}
          {check.group &&
            (check.ready.length ? (
              <div>
                <div className="small">{t('readyAccounts')}</div>
                <ul>
                  {check.ready.map((r) => (
                    <li key={r.account_id} className="ok-item">
                      {r.label} — {t('remainingToday', { invites: countOf(r.remaining_today, t('invitesWord'), lang) })}
                    </li>
                  ))}
                </ul>
              </div>
            ) : (
              <p className="notice notice-warn">{t('noReadyAccounts')}</p>
            ))}
          {check.group && check.group_lifetime_left !== null && (
            <p className="small muted" data-testid="group-lifetime-left">
              {t('groupLifetimeLeft', { n: countOf(check.group_lifetime_left, t('people'), lang) })}
            </p>
          )}
          {check.unavailable.length > 0 && (
            <div>
              <div className="small">{t('unavailableAccounts')}</div>
              <ul>
                {check.unavailable.map((u) => (
                  <li key={u.account_id} className="bad-item">
                    {u.label} — {u.reason}
                    {u.available_at ? ` (${t('availableAt', { at: formatTime(u.available_at, lang) })})` : ''}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </>
  );
}
