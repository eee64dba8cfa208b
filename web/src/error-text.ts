import { ApiError } from './api/client';
import type { T } from './i18n';

/** A server refusal in the reader's language when its code is known here (`err_<CODE>`), else the server's own sentence. */
export function errorText(e: unknown, t: T): string {
  if (e instanceof ApiError) {
    const key = `err_${e.code}`;
    const text = t(key as never);
    if (text !== key) return text;
  }
  return (e as Error).message;
}
