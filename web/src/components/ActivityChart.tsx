import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Lang } from '../i18n';

export interface ChartSeries {
  key: string;
  label: string;
  /** A CSS colour; the theme's variables keep the chart readable in light and dark. */
  color: string;
}

export interface ActivityChartProps {
  /** One row per bucket: `at` (an ISO instant, or a YYYY-MM-DD local day) and a count per series key. */
  rows: Array<Record<string, number | string>>;
  unit: 'hour' | 'day';
  series: ChartSeries[];
  lang: Lang;
  xTitle: string;
  yTitle: string;
  label: string;
}

/** A YYYY-MM-DD day is the reader's own calendar day: read it at local noon so no zone moves it. */
const toDate = (at: string) => (/^\d{4}-\d{2}-\d{2}$/.test(at) ? new Date(`${at}T12:00:00`) : new Date(at));

/**
 * Stacked bars of a task's (or the dashboard's) actions per hour or day, drawn with Recharts: dated axes in the
 * reader's language and time zone (the browser's, which the server also used to cut the buckets), axis titles,
 * a legend and a tooltip. Loaded lazily (TaskChart.tsx), so pages without a chart do not carry the library.
 */
export default function ActivityChart({ rows, unit, series, lang, xTitle, yTitle, label }: ActivityChartProps) {
  const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';
  const tick = new Intl.DateTimeFormat(
    locale,
    unit === 'hour' ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short' },
  );
  const full = new Intl.DateTimeFormat(
    locale,
    unit === 'hour'
      ? { weekday: 'short', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }
      : { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' },
  );
  const muted = { fill: 'var(--muted)', fontSize: 12 };
  return (
    <figure className="activity-chart" data-testid="activity-chart" aria-label={label}>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={rows} margin={{ top: 8, right: 20, bottom: 8, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
          <XAxis
            dataKey="at"
            tickFormatter={(v: string) => tick.format(toDate(v))}
            tick={{ ...muted, className: 'x-tick' }}
            stroke="var(--border)"
            minTickGap={12}
            height={48}
            label={{ value: xTitle, position: 'insideBottom', offset: 0, fill: 'var(--muted)', fontSize: 12 }}
          />
          <YAxis
            allowDecimals={false}
            width={48}
            tick={muted}
            stroke="var(--border)"
            label={{ value: yTitle, angle: -90, position: 'insideLeft', offset: 8, fill: 'var(--muted)', fontSize: 12, style: { textAnchor: 'middle' } }}
          />
          <Tooltip
            labelFormatter={(v) => full.format(toDate(String(v)))}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)', borderRadius: 8 }}
            labelStyle={{ color: 'var(--text)' }}
            cursor={{ fill: 'var(--chip)' }}
          />
          <Legend verticalAlign="top" wrapperStyle={{ fontSize: 13, paddingBottom: 6 }} itemSorter={null} />
          {series.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} stackId="actions" fill={s.color} isAnimationActive={false} maxBarSize={40} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
