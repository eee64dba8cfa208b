import { useState } from 'react';
import type { ImportReport, TaskJson } from '../api/types';
import { useI18n, type Lang, type T } from '../i18n';
import { countOf } from '../format';
import { type Audience, AudiencePicker, importAudience, useAudience } from './AudiencePicker';
import { ErrorNotice } from './ui';
import { isFinished } from '../task-actions';

/**
 * A direct import's report in words. Into a task, a person repeated in the source and a person the task already holds
 * are both duplicates (neither is added twice); the import counts them together, and so does its dry run.
 */
function outcomeText(r: ImportReport, t: T, lang: Lang): string {
  const parts = [t('addPeopleAdded', { people: countOf(r.imported, t('people'), lang) })];
  if (r.duplicates) parts.push(t('addPeopleRepeatedOrInTask', { n: r.duplicates }));
  if (r.invalid) parts.push(t('addPeopleInvalid', { n: r.invalid }));
  if (r.over_limit) parts.push(t('addPeopleOverCap', { n: r.over_limit }));
  if (r.already_invited) parts.push(t('previewAlreadyInvited', { n: r.already_invited }));
  if (r.do_not_contact) parts.push(t('previewDoNotContact', { n: r.do_not_contact }));
  return parts.join(' · ');
}

/**
 * How many of the chosen audience would wait to be invited: the file's dry run without those audience hygiene skips at
 * once; a base, as many as the task has room for (its preview's hygiene counts only the contacts it shows).
 */
function toBeInvited(a: Audience): number {
  if (a.source === 'file') return a.preview ? a.preview.imported - a.preview.already_invited - a.preview.do_not_contact : 0;
  return a.basePreview ? Math.min(a.basePreview.total, a.basePreview.room) : 0;
}

/** The opened panel: the audience picker with the preview for this task, and the button that imports. */
function AddAudienceForm({
  task,
  groupLeft,
  onClose,
  onDone,
}: {
  task: TaskJson;
  groupLeft: number | null;
  onClose: () => void;
  onDone: (outcome: string, queued: boolean) => void;
}) {
  const { t, lang } = useI18n();
  const audience = useAudience({ taskId: task.id });
  const [importing, setImporting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A file is imported once its dry run has answered: the user has seen the counts before anything is written.
  const ready = audience.chosen && (audience.source === 'base' || !!audience.preview);
  // An invite task's group takes 200 invites per account for ever: said here, before the people are added, not only
  // on the task page after (the same sentence as there). `groupLeft` is the page's accounts panel's figure.
  const waitingAfter = task.counters.pending + task.counters.in_flight + toBeInvited(audience);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!ready) return;
    setImporting(true);
    setError(null);
    try {
      const report = await importAudience(audience, task.id);
      onDone(report ? outcomeText(report, t, lang) : t('addPeopleQueued'), !report);
    } catch (err) {
      // A refusal (the task finished meanwhile, a file the server cannot take…) in the server's words, in the UI's
      // language; the chosen file or base stays, so the user can fix it and try again.
      setError((err as Error).message);
      setImporting(false);
    }
  }

  return (
    <form className="form" onSubmit={submit} noValidate data-testid="add-audience-form">
      <fieldset className="field">
        <legend>{t('addPeopleTitle')}</legend>
        <AudiencePicker audience={audience} />
        {groupLeft !== null && audience.chosen && waitingAfter > groupLeft && (
          <p className="notice notice-warn small" data-testid="add-audience-capacity-short">
            {t(task.account_ids ? 'groupCapacityShortChosen' : 'groupCapacityShort', {
              left: countOf(groupLeft, t('people'), lang),
              waiting: countOf(waitingAfter, t('people'), lang),
            })}
          </p>
        )}
        <p className="muted small">{t('addPeopleHint')}</p>
      </fieldset>
      <ErrorNotice error={error} />
      <div className="row form-buttons">
        <button type="submit" className="primary" disabled={!ready || importing} data-testid="add-audience-submit">
          {importing ? t('addPeopleAdding') : t('addPeopleSubmit')}
        </button>
        <button type="button" onClick={onClose} disabled={importing}>
          {t('close')}
        </button>
      </div>
    </form>
  );
}

/**
 * «Add people» on a task's page: collapsed to a button while the task can still take people; opened, the audience
 * picker. A direct import says its outcome and refreshes the page's counters and list (`onImported`); a big audience
 * goes to a background job, which the page's jobs panel then follows (`onQueued` asks it to look again).
 */
export function TaskAddAudience({
  task,
  groupLeft,
  onImported,
  onQueued,
}: {
  task: TaskJson;
  /** Invites into the task's group its accounts may still make, ever (the accounts panel's; null: unknown or not an invite task). */
  groupLeft: number | null;
  onImported: () => void;
  onQueued: () => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  // A finished task takes no more people (the server answers TASK_FINISHED): it shows nothing here.
  if (isFinished(task.status)) return null;
  return (
    <div className="card" data-testid="add-audience">
      {open ? (
        <AddAudienceForm
          task={task}
          groupLeft={task.type === 'invite_to_group' ? groupLeft : null}
          onClose={() => setOpen(false)}
          onDone={(text, queued) => {
            setOpen(false);
            setOutcome(text);
            if (queued) onQueued();
            else onImported();
          }}
        />
      ) : (
        <button
          type="button"
          aria-expanded={false}
          onClick={() => {
            setOpen(true);
            setOutcome(null);
          }}
          data-testid="add-audience-open"
        >
          {t('addPeople')}
        </button>
      )}
      {outcome && (
        <div className="notice notice-ok" role="status" data-testid="add-audience-outcome">
          {outcome}
        </div>
      )}
    </div>
  );
}
