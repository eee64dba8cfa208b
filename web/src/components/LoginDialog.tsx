import { useState } from 'react';
import { api, auth } from '../api/client';
import { useI18n } from '../i18n';
import { ErrorNotice } from './ui';

/** Shown over the page on a 401, so whatever the user was typing underneath is kept. */
export function LoginDialog({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        onSubmit={async (e) => {
          e.preventDefault();
          const candidate = token.trim();
          if (!candidate) return setError(t('tokenEmpty'));
          // Tried before it is kept: a token that is not accepted is said so here, with the server's reason, instead of
          // closing the dialog and every page failing behind it.
          setChecking(true);
          try {
            await api('/api/v1/invite/accounts', { signingIn: candidate });
            auth.set(candidate);
            onDone();
          } catch (err) {
            setError(t('tokenRefused', { reason: (err as Error).message }));
          } finally {
            setChecking(false);
          }
        }}
      >
        <h2>{t('signIn')}</h2>
        <p>{t('tokenPrompt')}</p>
        <label>
          {t('token')}
          <textarea
            name="token"
            rows={4}
            value={token}
            onChange={(e) => {
              setToken(e.target.value);
              setError(null);
            }}
            autoFocus
          />
        </label>
        <ErrorNotice error={error} />
        <button type="submit" className="primary" disabled={checking}>
          {t('save')}
        </button>
      </form>
    </div>
  );
}
