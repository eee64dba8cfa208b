import { useState } from 'react';
import { auth } from '../api/client';
import { useI18n } from '../i18n';

/** Shown over the page on a 401, so whatever the user was typing underneath is kept. */
export function LoginDialog({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) {
            auth.set(token.trim());
            onDone();
          }
        }}
      >
        <h2>{t('signIn')}</h2>
        <p>{t('tokenPrompt')}</p>
        <label>
          {t('token')}
          <textarea name="token" rows={4} value={token} onChange={(e) => setToken(e.target.value)} autoFocus />
        </label>
        <button type="submit" className="primary">
          {t('save')}
        </button>
      </form>
    </div>
  );
}
