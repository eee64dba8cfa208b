import type { Lang } from './i18n';

export function formatDuration(seconds: number | null, lang: Lang): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds <= 0) return lang === 'ru' ? 'готово' : 'done';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.max(1, Math.floor((seconds % 3600) / 60));
  const u = lang === 'ru' ? { d: 'д', h: 'ч', m: 'мин' } : { d: 'd', h: 'h', m: 'min' };
  if (d) return `~${d} ${u.d} ${h} ${u.h}`;
  if (h) return `~${h} ${u.h} ${m} ${u.m}`;
  return `~${m} ${u.m}`;
}

/**
 * A moment as every page of the UI writes it, and as the server's sentences do («9 дек., 13:51»): the year only when
 * it is not this one. (The feed wrote «09 дек., 13:51» beside a header's «9 дек. 2026 г., 07:42».)
 */
export function formatTime(iso: string | null, lang: Lang): string {
  if (!iso) return '—';
  const at = new Date(iso);
  return at.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    day: 'numeric',
    month: 'short',
    ...(at.getFullYear() === new Date().getFullYear() ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
  });
}

/**
 * A count with its noun in the right form. `forms` is the dictionary entry: "result|results" in English,
 * "запись|записи|записей" (1, 2–4, 5+) in Russian, chosen by the language's own plural rules.
 */
export function countOf(n: number, forms: string, lang: Lang): string {
  const words = forms.split('|');
  const rule = new Intl.PluralRules(lang === 'ru' ? 'ru-RU' : 'en-GB').select(n);
  const index = lang === 'ru' ? (({ one: 0, few: 1 } as Record<string, number>)[rule] ?? 2) : rule === 'one' ? 0 : 1;
  // Digits grouped as the reader writes them («2 500 контактов», "2,500 contacts").
  return `${new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB').format(n)} ${words[Math.min(index, words.length - 1)]}`;
}
