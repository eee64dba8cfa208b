/**
 * Thin fetch wrapper: adds the token, turns every error response into one readable sentence,
 * and announces a 401 so the app can ask for a token without throwing away what the user typed.
 */
const TOKEN_KEY = 'invite-orchestrator.token';
/** Where the content-factory platform's own frontend keeps the signed-in user's JWT (on its origin). */
const PLATFORM_TOKEN_KEY = 'access_token';

/**
 * How this copy of the UI runs, from `ui-config.json` next to index.html (served by the server per mount):
 * standalone (our sign-in link and token dialog, API at /api/v1) or inside the platform's site (its session,
 * its sign-in page, the API through its gateway, e.g. /api/invite).
 */
export const uiConfig: { mode: 'standalone' | 'platform'; apiBase: string; loginUrl: string } = { mode: 'standalone', apiBase: '/api/v1', loginUrl: '/login' };

export async function loadUiConfig(): Promise<void> {
  try {
    const res = await fetch(new URL('ui-config.json', document.baseURI));
    if (!res.ok) return;
    const c = (await res.json()) as { mode?: string; api_base?: string; login_url?: string };
    if (c.mode === 'platform') uiConfig.mode = 'platform';
    if (typeof c.api_base === 'string' && c.api_base.startsWith('/')) uiConfig.apiBase = c.api_base.replace(/\/+$/, '');
    if (typeof c.login_url === 'string' && c.login_url) uiConfig.loginUrl = c.login_url;
  } catch {
    /* no config (vite dev server): standalone */
  }
}

/** Our API paths are written as /api/v1/…; behind the platform's gateway /api/v1 becomes its prefix (/api/invite). */
export function apiUrl(path: string): string {
  return path.startsWith('/api/v1/') ? `${uiConfig.apiBase}${path.slice('/api/v1'.length)}` : path;
}

/** The platform's token, if it is there and not expired (its `exp`, read without verifying: the server verifies). */
export function platformToken(): string | null {
  const token = localStorage.getItem(PLATFORM_TOKEN_KEY);
  if (!token) return null;
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    if (typeof payload.exp === 'number' && payload.exp * 1000 <= Date.now()) return null;
  } catch {
    return null;
  }
  return token;
}

/** Sends the person to the platform's sign-in page (`{next}` in its address becomes this page's address). */
export function goToPlatformLogin(): void {
  window.location.assign(uiConfig.loginUrl.replace('{next}', encodeURIComponent(window.location.href)));
}

export class ApiError extends Error {
  /** `body` is the parsed error response (forms read its `field`, `retry_after`). */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export const auth = {
  get token(): string | null {
    return uiConfig.mode === 'platform' ? platformToken() : localStorage.getItem(TOKEN_KEY);
  },
  set(token: string | null) {
    // Inside the platform its own frontend owns the session: there is nothing to store or forget here.
    if (uiConfig.mode === 'platform') return;
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
    window.dispatchEvent(new Event('auth-changed'));
  },
};

/** The UI's language (web/src/i18n.tsx keeps it under `lang`; Russian unless English was chosen). */
export function uiLang(): 'ru' | 'en' {
  try {
    return localStorage.getItem('lang') === 'en' ? 'en' : 'ru';
  } catch {
    return 'ru';
  }
}

/** Every call says the UI's language (the server answers in it) and the user's time zone (auto names' dates). */
function languageHeaders(headers: Headers): Headers {
  headers.set('accept-language', uiLang());
  try {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz) headers.set('x-time-zone', tz);
  } catch {
    /* no Intl time zone: the server's */
  }
  return headers;
}

/** Any error body the server (or a proxy) may send, flattened to a sentence. */
export function errorMessage(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.message === 'string' && b.message) return b.message;
    if (Array.isArray(b.detail)) {
      return b.detail
        .map((d) => (d && typeof d === 'object' ? `${(d as { loc?: unknown[] }).loc?.join('.') ?? ''}: ${(d as { msg?: string }).msg ?? ''}` : String(d)))
        .join('; ');
    }
    if (typeof b.detail === 'string') return b.detail;
    if (typeof b.error === 'string') return b.error;
  }
  if (typeof body === 'string' && body.trim()) return body.slice(0, 300);
  return `Request failed (HTTP ${status})`;
}

/**
 * A call to the API as the signed-in user. `signingIn`: a token being tried by the sign-in dialog instead — a refusal
 * then keeps the server's reason (expired, not ours…) and does not ask for the dialog again.
 */
export async function api<T>(path: string, options: RequestInit & { json?: unknown; signingIn?: string } = {}): Promise<T> {
  const { json, signingIn, ...init } = options;
  const headers = languageHeaders(new Headers(init.headers));
  const token = signingIn ?? auth.token;
  if (token) headers.set('authorization', `Bearer ${token}`);
  let body = init.body;
  if (json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(json);
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path), { ...init, headers, body });
  } catch {
    throw new ApiError(
      0,
      'NETWORK',
      uiLang() === 'ru'
        ? 'Сервер недоступен. Проверьте подключение и попробуйте снова.'
        : 'The server could not be reached. Check your connection and try again.',
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const code =
      parsed && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string' ? (parsed as { error: string }).error : 'ERROR';
    if (res.status === 401 && !signingIn) {
      window.dispatchEvent(new CustomEvent('auth-required'));
      // What a page shows behind the sign-in dialog: the API's own sentence is for API clients (it names the header).
      const text = uiLang() === 'ru' ? 'Нужно войти: входа нет или он истёк.' : 'Please sign in: there is no session, or it has expired.';
      throw new ApiError(401, code, text, parsed);
    }
    throw new ApiError(res.status, code, errorMessage(parsed, res.status), parsed);
  }
  return parsed as T;
}

/** Downloads an authenticated file (a report) under the name the server gives it. */
export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const headers = languageHeaders(new Headers());
  if (auth.token) headers.set('authorization', `Bearer ${auth.token}`);
  const res = await fetch(apiUrl(path), { headers });
  if (!res.ok) {
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, 'DOWNLOAD_FAILED', errorMessage(parsed, res.status));
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}
