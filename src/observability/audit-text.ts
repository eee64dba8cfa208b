import { fieldList } from '../shared/field-names.js';
import { hasMessage, renderMessage, type Lang, type MessageParams } from '../shared/messages.js';

/** One audit row as the journal reads it, with the names of the task or account it concerns (null when gone). */
export interface AuditLine {
  action: string;
  entity: string;
  entity_id: string | null;
  details: unknown;
  task_name: string | null;
  account_label: string | null;
  /** The name a later deletion of the same task or account recorded (its row is gone). */
  deleted_name: string | null;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v) || 0);

/**
 * An audit entry as a sentence in the reader's language («Запущена задача «Осенний набор»»). The task or account is
 * named as it is now, or as the entry recorded it when it is gone (deletions keep the name in their details), or by
 * its number. An action this catalogue does not know is said by its code.
 */
export function auditText(a: AuditLine, lang: Lang): string {
  const d = (a.details && typeof a.details === 'object' ? a.details : {}) as Record<string, unknown>;
  const quote = (name: string) => (lang === 'ru' ? `«${name}»` : `"${name}"`);
  const named = (name: unknown, fallback: string) => (typeof name === 'string' && name ? quote(name) : fallback);
  const params: MessageParams = {
    task: named(a.task_name ?? a.deleted_name ?? d.name, renderMessage('AUDIT.no', lang, { id: a.entity_id ?? '—' })!),
    account: named(a.account_label ?? a.deleted_name ?? d.label, renderMessage('AUDIT.no', lang, { id: a.entity_id ?? '—' })!),
    n: num(d.imported ?? d.affected ?? d.added ?? (Array.isArray(d.ids) ? d.ids.length : 0)),
    host: typeof d.host === 'string' ? d.host : '—',
  };
  // An edit says what it changed («Изменена задача «X»: название, приоритет»).
  const fields = Array.isArray(d.fields) ? d.fields.filter((f): f is string => typeof f === 'string') : [];
  // An account switched off or on says which (its other edit is the name).
  const toggled = a.action === 'account.update' && typeof d.enabled === 'boolean' ? `AUDIT.account.${d.enabled ? 'enable' : 'disable'}` : null;
  // People given of whom none were added say so and why («…добавлены люди: 0» read as a fault).
  const none = params.n === 0 && hasMessage(`AUDIT.${a.action}.none`) ? `AUDIT.${a.action}.none` : null;
  const why = none
    ? (['duplicates', 'invalid', 'over_limit'] as const)
        .filter((k) => num(d[k]) > 0)
        .map((k) => renderMessage(`AUDIT.why.${k}`, lang, { n: num(d[k]) }))
        .join(', ')
    : '';
  const key = toggled ?? none ?? (fields.length && hasMessage(`AUDIT.${a.action}.fields`) ? `AUDIT.${a.action}.fields` : `AUDIT.${a.action}`);
  return renderMessage(key, lang, { ...params, fields: fieldList(fields, lang), why: why || '—' }) ?? a.action;
}
