import { describe, expect, it } from 'vitest';
import { logSentence, type LogLine } from '../src/stats/log-sentences.js';

/** The execution log said again in Russian from what the worker stored in English (src/stats/log-sentences.ts). */
describe('an execution log entry in the reader’s language', () => {
  const task = { target_group: '@sandbox_marketing', target_group_title: 'Маркетинг' };
  const line = (l: Partial<LogLine>): LogLine => ({
    action: 'invite',
    result: 'SUCCESS',
    error_code: null,
    message: null,
    target_label: '@anna',
    account_label: 'Основной',
    ...l,
  });

  it('a retry keeps its minutes, from rows written before this too', () => {
    const retry = line({ result: 'RETRY', error_code: 'NETWORK_TIMEOUT', message: 'Will retry @anna in 4 min: the request timed out' });
    expect(logSentence(retry, task, 'ru')).toMatch(/^Повторим для @anna через 4 мин: [А-Яа-яЁё]/);
    expect(logSentence(retry, task, 'en')).toBe('Will retry @anna in 4 min: the request timed out');
    expect(logSentence(line({ result: 'RETRY', error_code: 'NETWORK_TIMEOUT', message: 'Will retry @anna: timeout' }), task, 'ru')).toMatch(
      /^Повторим для @anna: /,
    );
  });

  it('a refusal by code in Russian; a reason without a code keeps the stored words', () => {
    const privacy = line({ result: 'SKIPPED', error_code: 'USER_PRIVACY_RESTRICTED', message: "Could not invite @anna: the user's privacy settings" });
    expect(logSentence(privacy, task, 'ru')).toMatch(/^Не удалось пригласить @anna: [А-Яа-яЁё]/);
    const odd = line({ result: 'FAILED', error_code: 'SOMETHING_NEW', message: 'Could not invite @anna: something new happened' });
    expect(logSentence(odd, task, 'ru')).toBe('Не удалось пригласить @anna: something new happened');
    expect(logSentence(line({}), task, 'ru')).toBe('Пользователь @anna добавлен в Маркетинг');
    expect(logSentence(line({ action: 'message' }), task, 'ru')).toBe('Сообщение отправлено @anna');
    expect(logSentence(line({ result: 'ACCOUNT_ERROR', error_code: 'PEER_FLOOD', message: 'x' }), task, 'ru')).toMatch(/^Аккаунт Основной: /);
  });
});
