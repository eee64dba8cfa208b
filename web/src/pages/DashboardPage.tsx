import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { useI18n } from '../i18n';
import { TASK_STATUSES } from '../api/types';
import { ErrorNotice } from '../components/ui';
import { DashboardChart, type DayTotals } from '../components/TaskChart';

interface Summary {
  tasks_by_status: Record<string, number>;
  last_30_days: DayTotals[];
  invites_last_30_days: number;
  success_rate: number | null;
}

/** How often the dashboard looks again; it updates what is on screen in place (no "Loading…", scroll kept). */
export const DASHBOARD_REFRESH_MS = 10_000;

export function DashboardPage() {
  const { t } = useI18n();
  const [s, setS] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState(0);
  const load = useCallback(async () => {
    try {
      setS(await api<Summary>('/api/v1/invite/dashboard/summary'));
      setUpdatedAt(Date.now());
      setError(null);
    } catch (e) {
      // A failed refresh keeps the last figures on screen and says why.
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void load();
    }, DASHBOARD_REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  return (
    <section data-testid="dashboard" data-updated={updatedAt || undefined}>
      <h1>{t('dashboard')}</h1>
      <ErrorNotice error={error} />
      {!s && !error && <p className="muted">{t('loading')}</p>}
      {s && (
        <>
          <div className="stat-grid">
            <div className="stat">
              <div className="stat-value" data-testid="dash-invites">
                {s.invites_last_30_days}
              </div>
              <div className="stat-label">{t('invites30')}</div>
            </div>
            <div className="stat">
              <div className="stat-value">{s.success_rate === null ? '—' : `${Math.round(s.success_rate * 100)}%`}</div>
              <div className="stat-label">{t('successRate')}</div>
            </div>
            {TASK_STATUSES.filter((k) => s.tasks_by_status[k]).map((k) => (
              <div className="stat" key={k} data-testid={`dash-tasks-${k}`}>
                <div className="stat-value">{s.tasks_by_status[k]}</div>
                <div className="stat-label">{t(`tasks${k}`)}</div>
              </div>
            ))}
          </div>
          <div className="card">
            <h3>{t('last30')}</h3>
            <DashboardChart days={s.last_30_days} today={new Date(updatedAt || Date.now())} />
          </div>
        </>
      )}
    </section>
  );
}
