import { useEffect, useState } from 'react';

/** Fired by replaceRoute: history.replaceState changes the hash without a `hashchange`. */
const ROUTE_REPLACED = 'route-replaced';

const currentRoute = () => window.location.hash.replace(/^#/, '') || '/tasks';

/** Hash routing: the server only has to serve index.html, and links survive reloads. */
export function navigate(path: string) {
  window.location.hash = path;
}

/**
 * Like navigate, but in place of the current history entry: for state that changes as the reader types (a search
 * field), so Back leaves the page instead of stepping through every letter.
 */
export function replaceRoute(path: string) {
  if (currentRoute() === path) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}#${path}`);
  window.dispatchEvent(new Event(ROUTE_REPLACED));
}

/** A route's path and its query: "/tasks?status=PAUSED&page=2" → "/tasks" and status=PAUSED&page=2. */
export function splitRoute(route: string): { path: string; query: URLSearchParams } {
  const at = route.indexOf('?');
  return at < 0 ? { path: route, query: new URLSearchParams() } : { path: route.slice(0, at), query: new URLSearchParams(route.slice(at + 1)) };
}

/** The hash without "#", query included ("/tasks?page=2"); "/tasks" when there is none. */
export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    window.addEventListener(ROUTE_REPLACED, on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener(ROUTE_REPLACED, on);
    };
  }, []);
  return route;
}
