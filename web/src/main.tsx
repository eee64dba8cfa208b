import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { I18nProvider } from './i18n';
import { ServerInfoProvider } from './server-info';
import { auth, goToPlatformLogin, loadUiConfig, uiConfig } from './api/client';
import './styles.css';

function start() {
  if (uiConfig.mode === 'platform') {
    // Inside the platform's site: its session, or its sign-in page (never our token dialog).
    if (!auth.token) return goToPlatformLogin();
  } else {
    // `npm start` prints a link with ?token=…: keep it, then drop it from the address bar.
    const params = new URLSearchParams(window.location.search);
    const fromUrl = params.get('token');
    if (fromUrl) {
      auth.set(fromUrl);
      params.delete('token');
      window.history.replaceState(null, '', `${window.location.pathname}${params.size ? `?${params}` : ''}${window.location.hash}`);
    }
  }
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <I18nProvider>
        <ServerInfoProvider>
          <App />
        </ServerInfoProvider>
      </I18nProvider>
    </StrictMode>,
  );
}

// Where this copy runs (standalone, or inside the platform's site) is served next to index.html.
void loadUiConfig().then(start);
