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

/**
 * How much of the audience is dealt with. The people skipped without an attempt (hygiene, refusals kept by a duplicate)
 * are a paler part of the bar: all in one colour, a duplicate of a finished task looked four-fifths done before it started.
 */
export function ProgressBar({ counters }: { counters: TaskCounters }) {
  const { t } = useI18n();
  const pct = Math.round(counters.progress * 100);
  const share = (n: number) => (counters.total ? (n / counters.total) * 100 : 0);
  const worked = counters.done - counters.skipped;
  // The label counts the work: people tried out of people to try. The skipped (already invited, do-not-contact,
  // refused before, skipped by hand) are the bar's paler part and the tooltip's; counted as done, a copy of a finished
  // task whose people were nearly all skipped read «29/36» before it had tried anyone.
  const toWork = counters.total - counters.skipped;
  const title = counters.skipped ? t('progressTitleSkipped', { worked, toWork, skipped: counters.skipped }) : t('progressTitle', { worked, toWork });
  return (
    <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-valuetext={title} title={title}>
      <div className="progress-fill" data-testid="progress-worked" style={{ width: `${share(worked)}%` }} />
      <div className="progress-skipped" data-testid="progress-skipped" style={{ left: `${share(worked)}%`, width: `${share(counters.skipped)}%` }} />
      <span className="progress-label" data-testid="progress-label">
        {worked}/{toWork}
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

/**
 * A file input whose button and "no file" text are the UI's own words: the browser's native control speaks the
 * browser's language («Choose File» in an English Chromium), whatever language the user chose here. The real input
 * stays in the page (keyboard focus, screen readers, form tests) but is drawn as the button beside it.
 */
export function FilePicker(props: {
  accept: string;
  label: string;
  fileName: string | null;
  onFile: (f: File | null) => void;
  name?: string;
  disabled?: boolean;
  /** Clear the input after each choice (an uploader that takes the same file twice). */
  resetAfterChoice?: boolean;
}) {
  const { t } = useI18n();
  return (
    <label className={`file-picker${props.disabled ? ' disabled' : ''}`}>
      <input
        type="file"
        className="visually-hidden"
        name={props.name}
        accept={props.accept}
        aria-label={props.label}
        disabled={props.disabled}
        onChange={(e) => {
          props.onFile(e.target.files?.[0] ?? null);
          if (props.resetAfterChoice) e.target.value = '';
        }}
      />
      <span className="file-picker-button" aria-hidden="true">
        {t('chooseFile')}
      </span>
      <span className="file-picker-name muted">{props.fileName ?? t('noFileChosen')}</span>
    </label>
  );
}
