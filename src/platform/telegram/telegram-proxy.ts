import type { LocalisedText } from '../../shared/messages.js';

/**
 * The proxy an account reaches Telegram through: SOCKS5 (optionally with a login), SOCKS4, or an HTTP proxy that
 * tunnels with CONNECT (optionally with a login: Basic) — what proxy shops sell, often as `host:port:login:password`.
 * Several accounts on one server address are a pattern Telegram's anti-spam looks for, so each account may have its
 * own. Stored encrypted (a proxy's password is a credential), shown without its password.
 *
 * MTProxy links (t.me/proxy?server=…&secret=…) are refused with a sentence saying so: GramJS 2.26's MTProxy speaks
 * only obfuscated "abridged", even for a "dd" secret (whose secure mode is randomized intermediate), and no "ee"
 * (fake-TLS) at all — the modes today's MTProxy servers (mtg, mtproto_proxy) accept; it would need a transport of its own.
 */
export interface AccountProxy {
  kind: 'socks5' | 'socks4' | 'http';
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** No kind was typed (`host:port…`): SOCKS5 is a guess until settleProxyKind (proxy-kind.ts) asks the proxy. Never stored. */
  kindGuessed?: true;
}

/** A proxy as the user typed it could not be used: why, in both languages (the API answers at the field `proxy`). */
export class ProxyFormatError extends Error {
  constructor(readonly text: LocalisedText) {
    super(text.en);
  }
}

const FORMAT: LocalisedText = {
  ru: 'укажите прокси как socks5://логин:пароль@хост:порт или http://логин:пароль@хост:порт (логин и пароль — если нужны), или хост:порт:логин:пароль',
  en: 'give the proxy as socks5://user:password@host:port or http://user:password@host:port (user and password if it needs them), or host:port:user:password',
};

const SCHEMES: Record<string, AccountProxy['kind']> = { socks5: 'socks5', socks: 'socks5', socks5h: 'socks5', socks4: 'socks4', http: 'http' };

/**
 * `host:port:login:password`, as proxy shops list their proxies (optionally after a scheme), rewritten as the URL
 * form; anything else is returned as it was. An IPv6 host has colons of its own and must be typed in brackets.
 */
function shopForm(text: string): string {
  const m = /^((?:[a-z][a-z0-9+.-]*:\/\/)?)([^:@/\s]+|\[[0-9a-f:.]+\]):(\d{1,5}):([^:@/\s]+):(\S+)$/i.exec(text);
  return m ? `${m[1]}${encodeURIComponent(m[4]!)}:${encodeURIComponent(m[5]!)}@${m[2]}:${m[3]}` : text;
}

/** A hostname or an IPv4/IPv6 address (brackets stripped): what a proxy can be reached at. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|[0-9a-f:.]+)$/i;

/**
 * Parses what the user typed: `socks5://[user:password@]host:port`, `socks4://host:port`, `http://[user:password@]host:port`,
 * a bare `host:port` (SOCKS5), or any of these as `host:port:user:password`.
 */
export function parseProxy(input: string): AccountProxy {
  const text = shopForm(input.trim());
  if (/^(?:tg:\/\/proxy|https?:\/\/(?:t|telegram)\.me\/proxy)\?/i.test(text)) {
    throw new ProxyFormatError({
      ru: 'MTProxy пока не поддерживается: укажите SOCKS5- или HTTP-прокси (socks5://логин:пароль@хост:порт или http://…)',
      en: 'MTProxy is not supported yet: give a SOCKS5 or HTTP proxy (socks5://user:password@host:port or http://…)',
    });
  }
  const kindTyped = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const withScheme = kindTyped ? text : `socks5://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxyFormatError(FORMAT);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'https') {
    // An "HTTPS proxy" of a shop is an HTTP proxy that tunnels HTTPS (CONNECT); one reached over TLS is rare, and not spoken here.
    throw new ProxyFormatError({
      ru: 'прокси с TLS (https://) не поддерживается: укажите его как http://хост:порт — так работают HTTP(S)-прокси магазинов — или socks5://хост:порт',
      en: 'a proxy reached over TLS (https://) is not supported: give it as http://host:port (how shops’ HTTP(S) proxies work) or socks5://host:port',
    });
  }
  const kind = SCHEMES[scheme];
  if (!kind) {
    throw new ProxyFormatError({
      ru: `прокси «${scheme}» не поддерживается: нужен SOCKS5, SOCKS4 или HTTP (socks5://хост:порт, http://хост:порт)`,
      en: `a "${scheme}" proxy is not supported: it must be SOCKS5, SOCKS4 or HTTP (socks5://host:port, http://host:port)`,
    });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host || !HOST.test(host) || (url.pathname && url.pathname !== '/') || url.search || url.hash) throw new ProxyFormatError(FORMAT);
  if (!url.port) {
    // The URL parser drops a scheme's default port (http://h:80 has none): that port was typed.
    if (kind !== 'http' || !/:80\/?$/.test(text)) {
      throw new ProxyFormatError({ ru: `укажите порт прокси: ${scheme}://хост:порт`, en: `give the proxy's port: ${scheme}://host:port` });
    }
  }
  const port = Number(url.port || 80);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  if (kind === 'socks4' && password) {
    throw new ProxyFormatError({
      ru: 'у SOCKS4 нет пароля: используйте SOCKS5 с логином и паролем',
      en: 'SOCKS4 has no password: use SOCKS5 with a user and password',
    });
  }
  if (password && !username) throw new ProxyFormatError(FORMAT);
  return { kind, host, port, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(kindTyped ? {} : { kindGuessed: true }) };
}

/** The proxy as stored (then encrypted): the URL form, password included. */
export function proxyToText(p: AccountProxy): string {
  const auth = p.username ? `${encodeURIComponent(p.username)}${p.password ? `:${encodeURIComponent(p.password)}` : ''}@` : '';
  return `${p.kind}://${auth}${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
}

/** The proxy as shown to its owner: no password. */
export function describeProxy(p: AccountProxy): string {
  return proxyToText({ ...p, password: p.password ? '•••' : undefined }).replace(encodeURIComponent('•••'), '•••');
}

/** A SOCKS proxy in GramJS's terms (TelegramClientParams.proxy); an HTTP proxy is a socket of its own (http-connect-socket.ts). */
export function gramJsProxy(p: AccountProxy): { ip: string; port: number; socksType: 4 | 5; username?: string; password?: string; timeout: number } {
  return {
    ip: p.host,
    port: p.port,
    socksType: p.kind === 'socks4' ? 4 : 5,
    ...(p.username ? { username: p.username } : {}),
    ...(p.password ? { password: p.password } : {}),
    // Seconds to reach the proxy and through it Telegram; GramJS's default of 5 is short for a proxy abroad.
    timeout: 15,
  };
}
