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

/** Small SVG bar chart; no chart library needed for one series. */
export function BarChart({ points, label }: { points: Array<{ at: string; succeeded: number; other: number }>; label: string }) {
  if (!points.length) return null;
  const max = Math.max(1, ...points.map((p) => p.succeeded + p.other));
  const w = 100 / points.length;
  return (
    <svg className="chart" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={label}>
      {points.map((p, i) => {
        const hs = (p.succeeded / max) * 38;
        const ho = (p.other / max) * 38;
        return (
          <g key={p.at}>
            <title>{`${new Date(p.at).toLocaleString()}: ${p.succeeded} + ${p.other}`}</title>
            <rect x={i * w + w * 0.1} y={40 - hs} width={w * 0.8} height={hs} className="bar-ok" />
            <rect x={i * w + w * 0.1} y={40 - hs - ho} width={w * 0.8} height={ho} className="bar-other" />
          </g>
        );
      })}
    </svg>
  );
}
