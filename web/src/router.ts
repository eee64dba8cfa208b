import { useEffect, useState } from 'react';

/** Hash routing: the server only has to serve index.html, and links survive reloads. */
export function navigate(path: string) {
  window.location.hash = path;
}

export function useRoute(): string {
  const [route, setRoute] = useState(() => window.location.hash.replace(/^#/, '') || '/tasks');
  useEffect(() => {
    const on = () => setRoute(window.location.hash.replace(/^#/, '') || '/tasks');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
