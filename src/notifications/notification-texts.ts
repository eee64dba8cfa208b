import { LANGS, hasMessage, renderMessage, renderStoredReason, type Lang, type MessageParams } from '../shared/messages.js';
import type { NotificationEvent } from '../shared/enums.js';

/** What rendering needs of a notification: its event and the params stored with it. */
export interface NotificationFacts {
  event: NotificationEvent;
  params: Record<string, unknown>;
}

const str = (v: unknown) => (v === undefined || v === null ? undefined : typeof v === 'number' ? v : String(v));

/** The reason a notification carries (a stored code with params, or an old English text), in `lang`; ends with a full stop. */
function reasonText(params: Record<string, unknown>, lang: Lang): string {
  const reason = renderStoredReason(
    typeof params.reason === 'string' ? params.reason : null,
    (params.reason_params as Record<string, unknown> | null | undefined) ?? null,
    lang,
  );
  if (!reason) return renderMessage('NOTIFY.no_reason', lang)!;
  return /[.!?…]$/.test(reason) ? reason : `${reason}.`;
}

/** How long a rest lasts, as a person says it: «24 ч», «1 ч 5 мин», «50 мин». (No clock time: a webhook has no reader's zone.) */
function restDuration(seconds: number, lang: Lang): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  const u = lang === 'ru' ? { h: 'ч', m: 'мин' } : { h: 'h', m: 'min' };
  return [h ? `${h} ${u.h}` : '', m || !h ? `${m} ${u.m}` : ''].filter(Boolean).join(' ');
}

/** The notification as one sentence in `lang`. */
export function notificationText(n: NotificationFacts, lang: Lang): string {
  const p = n.params;
  const params: MessageParams = {
    name: str(p.name),
    label: str(p.label),
    total: str(p.total) ?? 0,
    invited: str(p.invited) ?? 0,
    sent: str(p.sent) ?? 0,
    skipped: str(p.skipped) ?? 0,
    failed: str(p.failed) ?? 0,
  };
  let key: string;
  switch (n.event) {
    case 'task_completed':
      key = p.type === 'direct_message' ? 'NOTIFY.task_completed.direct_message' : 'NOTIFY.task_completed.invite_to_group';
      break;
    case 'account_retired':
      key = p.status === 'DEAUTHORIZED' ? 'NOTIFY.account_retired.DEAUTHORIZED' : 'NOTIFY.account_retired.BANNED';
      break;
    case 'account_rested':
      // The platform's code when a sentence of its own says more (CONTACTS_IMPORT_LIMIT, USER_RESTRICTED), else the kind of rest.
      key =
        typeof p.code === 'string' && hasMessage(`NOTIFY.account_rested.${p.code}`)
          ? `NOTIFY.account_rested.${p.code}`
          : p.status === 'PEER_FLOOD'
            ? 'NOTIFY.account_rested.PEER_FLOOD'
            : 'NOTIFY.account_rested.FLOOD_WAIT';
      params.duration = restDuration(Number(p.seconds) || 0, lang);
      break;
    default:
      key = `NOTIFY.${n.event}`;
      params.reason = reasonText(p, lang);
  }
  // A task deleted since keeps its name in params; a missing param (never expected) still yields a sentence.
  return renderMessage(key, lang, params) ?? renderMessage(key, lang, { ...params, name: '—', label: '—' }) ?? key;
}

/** The sentence in every language (the webhook body carries both). */
export function notificationTexts(n: NotificationFacts): Record<Lang, string> {
  return Object.fromEntries(LANGS.map((l) => [l, notificationText(n, l)])) as Record<Lang, string>;
}
