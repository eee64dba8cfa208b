import { renderTemplate } from '../api/types';
import { useI18n } from '../i18n';

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
