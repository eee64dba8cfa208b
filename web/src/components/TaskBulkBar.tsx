import { useState } from 'react';
import { PRIORITIES, type Priority } from '../api/types';
import { useI18n } from '../i18n';
import { bulkAction, bulkApplies } from '../task-actions';
import type { BulkTaskAction } from '../../../src/tasks/task-bulk';

export interface BulkTask {
  id: number;
  name: string;
  /** As the list shows it now (a running row's live status). */
  status: string;
}

/** What a bulk action did, in words: how many took it, how many were skipped, and each refusal with its task's name. */
export interface BulkSummary {
  action: BulkTaskAction;
  done: number;
  sent: number;
  skipped: number;
  /** Of those started, how many wait for their start time (SCHEDULED) rather than run now: a start says which. */
  scheduled: number;
  failures: Array<{ id: number; name: string; message: string }>;
}

const ACTIONS = [
  ['START', 'start'],
  ['PAUSE', 'pause'],
  ['RESUME', 'resume'],
  ['CANCEL', 'cancel'],
  ['DELETE', 'delete'],
] as const;

/**
 * The task list's selection bar: select the page, then start, pause, resume, cancel, delete or set the priority of the
 * selected tasks in one request (start: ten prepared campaigns without opening each). An action is offered when it
 * applies to at least one selected task and is sent only for those (the rest are counted as skipped); cancel and
 * delete ask first, as their own buttons do.
 */
export function TaskBulkBar({
  pageTasks,
  elsewhere = [],
  selected,
  onSelect,
  onDone,
}: {
  pageTasks: BulkTask[];
  /** Selected tasks this page no longer shows (one a bulk pause moved to page 2): counted, said, and acted on too. */
  elsewhere?: BulkTask[];
  selected: ReadonlySet<number>;
  onSelect: (ids: Set<number>) => void;
  onDone: (summary: BulkSummary | null, error: string | null) => Promise<void>;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const chosen = [...pageTasks.filter((x) => selected.has(x.id)), ...elsewhere];
  const allOnPage = pageTasks.length > 0 && pageTasks.every((x) => selected.has(x.id));
  const pageIds = pageTasks.map((x) => x.id);

  async function run(action: BulkTaskAction, priority?: Priority) {
    const targets = chosen.filter((x) => bulkApplies(action, x.status));
    if (!targets.length) return;
    if (action === 'CANCEL' && !window.confirm(t('bulkConfirmCancel', { n: targets.length }))) return;
    if (action === 'DELETE' && !window.confirm(t('bulkConfirmDelete', { n: targets.length }))) return;
    setBusy(true);
    try {
      const outcome = await bulkAction(
        action,
        targets.map((x) => x.id),
        priority,
      );
      const names = new Map(targets.map((x) => [x.id, x.name]));
      await onDone(
        {
          action,
          done: outcome.succeeded,
          sent: targets.length,
          skipped: chosen.length - targets.length,
          scheduled: outcome.results.filter((r) => r.ok && r.status === 'SCHEDULED').length,
          failures: outcome.results.filter((r) => !r.ok).map((r) => ({ id: r.id, name: names.get(r.id) ?? `#${r.id}`, message: r.message ?? r.error ?? '' })),
        },
        null,
      );
    } catch (e) {
      await onDone(null, (e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="bulk-bar" data-testid="bulk-bar">
      <label className="bulk-all">
        <input
          type="checkbox"
          checked={allOnPage}
          onChange={() =>
            // This page's tasks only: selected ones elsewhere stay.
            onSelect(allOnPage ? new Set([...selected].filter((id) => !pageIds.includes(id))) : new Set([...selected, ...pageIds]))
          }
        />
        {t('bulkSelectPage')}
      </label>
      {chosen.length > 0 && (
        <>
          <span data-testid="bulk-count" title={elsewhere.length ? elsewhere.map((x) => x.name).join(', ') : undefined}>
            {t('bulkSelected', { n: chosen.length })}
            {elsewhere.length > 0 ? ` ${t('bulkSelectedElsewhere', { n: elsewhere.length })}` : ''}
          </span>
          {ACTIONS.map(([action, label]) => {
            const n = chosen.filter((x) => bulkApplies(action, x.status)).length;
            return (
              <button
                type="button"
                key={action}
                className={action === 'DELETE' ? 'danger' : undefined}
                disabled={busy || n === 0}
                title={n < chosen.length ? t('bulkAppliesTo', { n, total: chosen.length }) : undefined}
                onClick={() => run(action)}
              >
                {t(label)}
                {n > 0 && n < chosen.length ? ` (${n})` : ''}
              </button>
            );
          })}
          <select
            aria-label={t('bulkSetPriority')}
            value=""
            disabled={busy || !chosen.some((x) => bulkApplies('SET_PRIORITY', x.status))}
            onChange={(e) => run('SET_PRIORITY', e.target.value as Priority)}
          >
            <option value="">{t('bulkSetPriority')}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(p)}
              </option>
            ))}
          </select>
          <button type="button" className="link" onClick={() => onSelect(new Set())}>
            {t('bulkClear')}
          </button>
        </>
      )}
    </div>
  );
}

/** The bar's answer after an action, kept until the next one or until it is closed. */
export function BulkSummaryNotice({ summary, onClose }: { summary: BulkSummary; onClose: () => void }) {
  const { t } = useI18n();
  const tone = summary.failures.length ? 'notice-warn' : 'notice-ok';
  return (
    <div className={`notice ${tone}`} role="status" data-testid="bulk-result">
      <div>
        {t(`bulkDone_${summary.action}` as never, { done: summary.done, sent: summary.sent })}
        {summary.scheduled > 0 ? ` ${t('bulkStartScheduled', { n: summary.scheduled })}` : ''}
        {summary.skipped > 0 ? ` ${t('bulkSkipped', { n: summary.skipped })}` : ''}
      </div>
      {/* A start is refused for reasons the owner must act on (no audience, no admin in the group): say so before the list. */}
      {summary.failures.length > 0 && summary.action === 'START' && <div>{t('bulkFailed_START')}</div>}
      {summary.failures.length > 0 && (
        <ul className="bulk-failures">
          {summary.failures.map((f) => (
            <li key={f.id}>
              <a href={`#/tasks/${f.id}`}>{f.name}</a>: {f.message}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="link" onClick={onClose}>
        {t('close')}
      </button>
    </div>
  );
}
