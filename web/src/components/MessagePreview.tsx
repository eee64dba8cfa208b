import { renderTemplate, unknownTemplateVariables } from '../api/types';
import { useI18n, type T } from '../i18n';

/** The template as the preview's example person (@jane_doe, Jane) receives it: the server's own renderTemplate. */
export function renderPreview(template: string) {
  return renderTemplate(template, { username: 'jane_doe', first_name: 'Jane', last_name: null, user_id_platform: null, phone: null });
}

/** Below a message template field: what the example person would read. */
export function MessagePreview({ template }: { template: string }) {
  const { t } = useI18n();
  if (!template) return null;
  return (
    <div className="message-preview">
      <span className="small muted">{t('livePreview')}</span>
      <p>{renderPreview(template)}</p>
    </div>
  );
}

/**
 * What is wrong with a message template, said at its field before anything is sent (the server refuses the same): no
 * text, or a variable the worker does not know — which would reach people as written, "Привет, {firstname}!".
 */
export function templateProblem(template: string, t: T): string | undefined {
  if (!template.trim()) return t('errTemplateRequired');
  const unknown = unknownTemplateVariables(template);
  return unknown.length ? t('errTemplateVariable', { variable: unknown.join(', ') }) : undefined;
}
