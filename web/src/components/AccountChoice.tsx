import { RETIRED_ACCOUNT_STATUSES, type AccountStatus } from '../../../src/shared/enums';
import type { AccountJson } from '../api/types';
import type { GroupCheck } from './GroupCheck';
import { useI18n } from '../i18n';
import { FieldError } from './FieldError';
import { StatusBadge } from './ui';

/**
 * Which of the user's accounts a task may use (`account_ids`): every suitable one (null, the default), or only those
 * ticked: a marketer keeps new accounts warming up, or gives a message
 * campaign its own senders. An invite task's group check says beside each account why it could not invite there.
 */
export function AccountChoice({
  accounts,
  value,
  onChange,
  check,
  error,
}: {
  accounts: AccountJson[];
  value: number[] | null;
  onChange: (ids: number[] | null) => void;
  /** The group check of an invite task (null: a message task, or no group yet). */
  check?: GroupCheck | null;
  error?: string;
}) {
  const { t } = useI18n();
  // Banned or logged-out accounts never work again: not offered (a choice that kept one still shows it, to untick).
  const offered = accounts.filter((a) => !RETIRED_ACCOUNT_STATUSES.includes(a.status as AccountStatus) || value?.includes(a.id));
  const why = (id: number) => {
    if (!check?.group) return null;
    if (check.ready.some((r) => r.account_id === id)) return null;
    return check.unavailable.find((u) => u.account_id === id)?.reason ?? null;
  };
  const toggle = (id: number, on: boolean) => {
    const next = on ? [...(value ?? []), id].sort((a, b) => a - b) : (value ?? []).filter((x) => x !== id);
    onChange(next);
  };
  if (accounts.length === 0) return null;
  return (
    <fieldset className="field" data-testid="account-choice">
      <legend>{t('taskAccountsChoice')}</legend>
      <label>
        <input type="radio" name="account-choice" checked={value === null} onChange={() => onChange(null)} data-testid="accounts-all" />{' '}
        {t('accountsAllSuitable')}
      </label>
      <label>
        <input
          type="radio"
          name="account-choice"
          checked={value !== null}
          // Starts from the accounts that could serve the task now, so ticking means taking some away.
          onChange={() => onChange(offered.filter((a) => a.status !== 'DISABLED' && why(a.id) === null).map((a) => a.id))}
          data-testid="accounts-chosen"
        />{' '}
        {t('accountsOnlyThese')}
      </label>
      {value !== null && (
        <ul className="account-picks" data-testid="account-picks">
          {offered.map((a) => {
            const reason = why(a.id);
            return (
              <li key={a.id}>
                <label>
                  <input type="checkbox" checked={value.includes(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} data-testid={`pick-account-${a.id}`} />{' '}
                  {a.label} {a.status !== 'ACTIVE' && <StatusBadge status={a.status} />}
                  {reason && <span className="muted small"> — {reason}</span>}
                </label>
              </li>
            );
          })}
        </ul>
      )}
      <p className="muted small">{value === null ? t('accountsAllHint') : t('accountsOnlyHint')}</p>
      <FieldError field="account_ids" text={error} />
    </fieldset>
  );
}
