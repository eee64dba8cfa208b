import { lazy, Suspense, type ReactNode } from 'react';
import type { ActivityPoint } from '../api/types';
import { useI18n } from '../i18n';
import type { ChartSeries } from './ActivityChart';

// Recharts is the biggest thing the UI ships: it loads with the first chart, not with the app.
const ActivityChart = lazy(() => import('./ActivityChart'));

const HOUR = 3600_000;
const MAX_BUCKETS = 120;

/** The browser's own calendar day of an instant (the zone the server cut the buckets in: the UI sends X-Time-Zone). */
function localDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The buckets between the first and last one with activity, the quiet ones as zeros, so the time axis is even
 * (the server sends only hours or days that had actions). At most MAX_BUCKETS, the latest.
 */
export function fillBuckets(points: ActivityPoint[], unit: 'hour' | 'day'): ActivityPoint[] {
  if (!points.length) return [];
  const zero = (at: string): ActivityPoint => ({ at, succeeded: 0, other: 0, skipped: 0, failed: 0 });
  const out: ActivityPoint[] = [];
  if (unit === 'hour') {
    const byTime = new Map(points.map((p) => [Date.parse(p.at), p]));
    const last = Date.parse(points.at(-1)!.at);
    const first = Math.max(Date.parse(points[0]!.at), last - (MAX_BUCKETS - 1) * HOUR);
    for (let t = first; t <= last; t += HOUR) out.push(byTime.get(t) ?? zero(new Date(t).toISOString()));
    return out;
  }
  const byDay = new Map(points.map((p) => [localDay(new Date(p.at)), p]));
  const last = localDay(new Date(points.at(-1)!.at));
  const d = new Date(points[0]!.at);
  d.setHours(0, 0, 0, 0);
  for (let i = 0; i < 400; i++) {
    const key = localDay(d);
    out.push(byDay.get(key) ?? zero(d.toISOString()));
    if (key >= last) break;
    d.setDate(d.getDate() + 1);
  }
  return out.slice(-MAX_BUCKETS);
}

function ChartFrame(props: { empty: boolean; emptyText: string; children: ReactNode }) {
  if (props.empty)
    return (
      <p className="muted chart-empty" data-testid="chart-empty">
        {props.emptyText}
      </p>
    );
  // The fallback keeps the chart's height, so the page does not jump when the library arrives.
  return <Suspense fallback={<div className="activity-chart" aria-hidden="true" />}>{props.children}</Suspense>;
}

/** A task's actions per hour or per day: succeeded (invited or sent), skipped, failed. */
export function TaskChart({
  points,
  unit,
  taskType,
  emptyText,
}: {
  points: ActivityPoint[];
  unit: 'hour' | 'day';
  taskType: string;
  /** What to say when there is nothing to draw, instead of "no actions yet" (an old task whose history was deleted). */
  emptyText?: string;
}) {
  const { t, lang } = useI18n();
  const rows = fillBuckets(points, unit);
  const series: ChartSeries[] = [
    { key: 'succeeded', label: taskType === 'invite_to_group' ? t('chartSucceededInvite') : t('chartSucceededMessage'), color: 'var(--ok)' },
    { key: 'skipped', label: t('skipped'), color: 'var(--warn)' },
    { key: 'failed', label: t('failed'), color: 'var(--bad)' },
  ];
  return (
    <ChartFrame empty={!rows.some((r) => r.succeeded || r.skipped || r.failed)} emptyText={emptyText ?? t('chartEmpty')}>
      <ActivityChart
        rows={rows as unknown as Array<Record<string, number | string>>}
        unit={unit}
        series={series}
        lang={lang}
        xTitle={unit === 'hour' ? t('chartTime') : t('chartDate')}
        yTitle={t('chartActions')}
        label={unit === 'hour' ? t('activity') : t('activityDaily')}
      />
    </ChartFrame>
  );
}

export interface DayTotals {
  day: string;
  invited: number;
  sent: number;
  skipped: number;
  failed: number;
}

/** The dashboard's last 30 calendar days (the reader's), every day on the axis, quiet ones as zeros. */
export function DashboardChart({ days, today }: { days: DayTotals[]; today: Date }) {
  const { t, lang } = useI18n();
  const byDay = new Map(days.map((d) => [d.day, d]));
  const rows: DayTotals[] = [];
  // The later of today and the last day with actions: a sandbox clock may run ahead of the browser's.
  const lastDay = days
    .map((x) => x.day)
    .sort()
    .at(-1);
  const d = lastDay && lastDay > localDay(today) ? new Date(`${lastDay}T12:00:00`) : new Date(today);
  d.setHours(12, 0, 0, 0);
  d.setDate(d.getDate() - 29);
  for (let i = 0; i < 30; i++) {
    const key = localDay(d);
    rows.push(byDay.get(key) ?? { day: key, invited: 0, sent: 0, skipped: 0, failed: 0 });
    d.setDate(d.getDate() + 1);
  }
  const series: ChartSeries[] = [
    { key: 'invited', label: t('invited'), color: 'var(--ok)' },
    { key: 'sent', label: t('sent'), color: 'var(--accent)' },
    { key: 'skipped', label: t('skipped'), color: 'var(--warn)' },
    { key: 'failed', label: t('failed'), color: 'var(--bad)' },
  ];
  return (
    <ChartFrame empty={!days.some((x) => x.invited || x.sent || x.skipped || x.failed)} emptyText={t('chartEmptyDashboard')}>
      <ActivityChart
        rows={rows.map(({ day, ...counts }) => ({ at: day, ...counts }))}
        unit="day"
        series={series}
        lang={lang}
        xTitle={t('chartDate')}
        yTitle={t('chartActions')}
        label={t('last30')}
      />
    </ChartFrame>
  );
}
