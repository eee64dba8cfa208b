import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { useI18n } from '../i18n';
import { BarChart, ErrorNotice } from '../components/ui';

interface Summary {
  tasks_by_status: Record<string, number>;
  last_30_days: Array<{ day: string; invited: number; sent: number; skipped: number; failed: number }>;
  invites_last_30_days: number;
  success_rate: number | null;
}

export function DashboardPage() {
  const { t } = useI18n();
  const [s, setS] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Summary>('/api/v1/invite/dashboard/summary').then(setS, (e) => setError((e as Error).message));
  }, []);
  return (
    <section>
      <h1>{t('dashboard')}</h1>
      <ErrorNotice error={error} />
      {s && (
        <>
          <div className="stat-grid">
            <div className="stat">
              <div className="stat-value">{s.invites_last_30_days}</div>
              <div className="stat-label">{t('invites30')}</div>
            </div>
            <div className="stat">
              <div className="stat-value">{s.success_rate === null ? '—' : `${Math.round(s.success_rate * 100)}%`}</div>
              <div className="stat-label">{t('successRate')}</div>
            </div>
            {Object.entries(s.tasks_by_status).map(([k, v]) => (
              <div className="stat" key={k}>
                <div className="stat-value">{v}</div>
                <div className="stat-label">{t(k as never)}</div>
              </div>
            ))}
          </div>
          <div className="card">
            <h3>{t('last30')}</h3>
            <BarChart label={t('last30')} points={s.last_30_days.map((d) => ({ at: d.day, succeeded: d.invited + d.sent, other: d.skipped + d.failed }))} />
          </div>
        </>
      )}
    </section>
  );
}
