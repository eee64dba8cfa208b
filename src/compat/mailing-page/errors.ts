/**
 * The Mailing page shows `error.detail` to the person. Every error on its routes keeps our
 * `{error, message, details?}` and gains `detail`: a sentence in Russian (the core's English sentence is
 * appended where it carries specifics, such as a file's bad row or a group's name).
 */
const BY_CODE: Record<string, string> = {
  UNAUTHENTICATED: 'Войдите заново: токен отсутствует, истёк или неверен.',
  PLATFORM_USER_UNKNOWN: 'Пользователь платформы не найден: войдите заново.',
  PLATFORM_GATEWAY_UNAVAILABLE: 'Не удалось проверить пользователя на платформе: попробуйте позже.',
  ILLEGAL_TRANSITION: 'Это действие недоступно для задачи в её текущем статусе.',
  NO_TARGETS: 'В задаче нет получателей для обработки: сначала импортируйте файл или базу парсинга.',
  TOO_MANY_ACTIVE_TASKS: 'У вас слишком много запущенных задач: поставьте одну на паузу или дождитесь её завершения.',
  NO_READY_ADMIN: 'Сейчас ни один ваш аккаунт не может приглашать в эту группу: нужен администратор с правом добавлять участников, готовый к работе.',
  NO_ADMIN_ACCOUNT: 'Ни один ваш аккаунт не является администратором группы с правом добавлять участников.',
  GROUP_NOT_RESOLVED: 'Группа не найдена: проверьте ссылку и то, что ваши аккаунты её видят.',
  NO_TARGET_GROUP: 'У задачи не указана группа: проверьте права администратора в группе (это назначит группу задаче) или передайте target_group.',
  TASK_FINISHED: 'Задача завершена: изменить или запустить её нельзя, создайте новую.',
  TASK_FULL: 'Достигнут лимит получателей в задаче.',
  GROUP_LOCKED: 'Группу можно сменить только до запуска задачи.',
  NOT_AN_INVITE_TASK: 'Группа есть только у задач-приглашений.',
  NOT_A_MESSAGE_TASK: 'Текст сообщения есть только у задач-рассылок сообщений.',
  FILE_TOO_LARGE: 'Файл слишком большой: разделите его на части.',
  TOO_LARGE: 'Запрос слишком большой.',
  MALFORMED_FILE: 'Не удалось прочитать файл.',
  NOT_MULTIPART: 'Загрузите файл как multipart/form-data в поле «file».',
  NO_FILE: 'Файл не получен: отправьте его в поле «file».',
  PARSING_SERVICE_NOT_CONFIGURED: 'Сервис парсинга не подключён к сервису приглашений.',
  PARSING_SERVICE_UNREACHABLE: 'Сервис парсинга недоступен: попробуйте позже.',
  PARSING_SERVICE_ERROR: 'Сервис парсинга ответил ошибкой: попробуйте позже.',
  PARSING_SERVICE_BAD_RESPONSE: 'Сервис парсинга ответил непонятным образом.',
  PLATFORM_ACCOUNT_NOT_LINKED: 'Ваша учётная запись не связана с платформой, поэтому базы парсинга недоступны: войдите через платформу или импортируйте файл.',
  NO_ACCOUNT_AVAILABLE_NOW: 'Сейчас ни один аккаунт не может действовать, поэтому ничего не отправлено: попробуйте позже.',
  ALREADY_PROCESSED: 'Этот получатель уже обработан.',
  INVALID_USERNAME: 'Неверный username Telegram: укажите его как @name или t.me/name.',
  TARGET_HAS_NO_USERNAME: 'У этого получателя нет username, а тестовое приглашение отправляется по username.',
  TARGET_IN_FLIGHT: 'Этого получателя сейчас обрабатывает рассылка.',
  RATE_LIMITED: 'Слишком много запросов: подождите немного и повторите.',
  TOO_MANY_JOBS: 'Слишком много фоновых задач: дождитесь завершения текущих.',
  TELEGRAM_ERROR: 'Telegram ответил ошибкой.',
  TELEGRAM_UNREACHABLE: 'Telegram недоступен: попробуйте позже.',
  FLOOD_WAIT: 'Telegram просит подождать перед следующим действием.',
  VALIDATION_FAILED: 'Проверьте данные запроса.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Тело запроса — не корректный JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Тело запроса — не корректный JSON.',
};

const NOT_FOUND: Record<string, string> = {
  Task: 'Задача не найдена.',
  Target: 'Получатель не найден в этой задаче.',
  Account: 'Аккаунт не найден.',
};

/** Codes whose English sentence carries specifics worth keeping after the Russian one. */
const WITH_SPECIFICS = new Set(['MALFORMED_FILE', 'GROUP_NOT_RESOLVED', 'NO_READY_ADMIN', 'ILLEGAL_TRANSITION', 'TELEGRAM_ERROR', 'PARSING_SERVICE_ERROR']);

export function russianDetail(status: number, body: { error?: unknown; message?: unknown; details?: unknown }): string {
  const code = typeof body.error === 'string' ? body.error : '';
  const message = typeof body.message === 'string' ? body.message : '';
  if (code === 'NOT_FOUND') {
    // Already said in Russian (the request asked for it): keep it.
    if (/[а-яё]/i.test(message)) return message;
    const what = /^(\w+) was not found/.exec(message)?.[1];
    return (what && NOT_FOUND[what]) || 'Не найдено.';
  }
  if (code === 'VALIDATION_FAILED' && Array.isArray(body.details) && body.details.length) {
    return `Проверьте данные запроса: ${body.details.map((d) => (d && typeof d === 'object' ? `${(d as { field?: string }).field ?? ''}: ${(d as { message?: string }).message ?? ''}` : String(d))).join('; ')}.`;
  }
  const known = BY_CODE[code];
  if (known) return WITH_SPECIFICS.has(code) && message ? `${known} (${message})` : known;
  if (status === 401) return BY_CODE.UNAUTHENTICATED!;
  if (status === 429) return BY_CODE.RATE_LIMITED!;
  if (status >= 500) return 'Ошибка на сервере сервиса приглашений; она записана в журнал.';
  return message ? `Запрос не выполнен: ${message}` : 'Запрос не выполнен.';
}

/** Adds `detail` to an error payload produced by the shared error handler (which stays the one formatter). */
export function withRussianDetail(status: number, payload: unknown): unknown {
  if (status < 400 || typeof payload !== 'string') return payload;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return payload;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.detail === 'string') return payload;
  return JSON.stringify({ ...body, detail: russianDetail(status, body) });
}
