import { useI18n } from '../i18n';
import type { TaskCounters } from '../api/types';

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      {t(status as never)}
    </span>
  );
}

export function ProgressBar({ counters }: { counters: TaskCounters }) {
  const pct = Math.round(counters.progress * 100);
  return (
    <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} title={`${counters.done}/${counters.total}`}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-label" data-testid="progress-label">
        {counters.done}/{counters.total}
      </span>
    </div>
  );
}

export function ErrorNotice({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      {error}
    </div>
  );
}

export function SandboxBanner() {
  const { t } = useI18n();
  return (
    <div className="sandbox-banner" data-testid="sandbox-banner">
      {t('sandboxBanner')}
    </div>
  );
}
