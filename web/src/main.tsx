import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { I18nProvider } from './i18n';
import { auth } from './api/client';
import './styles.css';

// `npm start` prints a link with ?token=…: keep it, then drop it from the address bar.
const params = new URLSearchParams(window.location.search);
const fromUrl = params.get('token');
if (fromUrl) {
  auth.set(fromUrl);
  params.delete('token');
  window.history.replaceState(null, '', `${window.location.pathname}${params.size ? `?${params}` : ''}${window.location.hash}`);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider><App /></I18nProvider>
  </StrictMode>,
);
