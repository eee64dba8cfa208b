import { DOMAIN_MESSAGES } from './domain-messages.js';
import { messageTaskName } from './enums.js';
import { TASK_WHY_MESSAGES } from '../tasks/why-messages.js';

/**
 * The catalogue of sentences the server says to people, by stable key, in Russian and English.
 *
 * A key is an error code (`NO_TARGETS`) or a code with a variant (`NO_TARGETS.empty`); templates take
 * named params (`{name}`). AppError carries the key and params (src/shared/errors.ts); the error handler
 * renders the sentence in the request's language (req.lang). English requests keep the AppError's own
 * English message (what API clients have always read); the `en` templates here say the same.
 */
export type Lang = 'ru' | 'en';
export const LANGS: readonly Lang[] = ['ru', 'en'];

/**
 * The language of a request without a preference (no Accept-Language naming ru or en): English, what API
 * clients and scripts have always read. The web UI always sends its own language, which is Russian by default.
 */
export const DEFAULT_API_LANG: Lang = 'en';

/** The first of ru/en an Accept-Language header names (`ru-RU,ru;q=0.9,en;q=0.8` → ru), else the default. */
export function langFromHeader(header: string | string[] | undefined): Lang {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const ranked = value
    .split(',')
    .map((part, i) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = Number(/q=([\d.]+)/.exec(rest.join(';'))?.[1] ?? 1);
      return { base: tag.trim().toLowerCase().split('-')[0]!, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => (x.base === 'ru' || x.base === 'en') && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return (ranked[0]?.base as Lang | undefined) ?? DEFAULT_API_LANG;
}

/** A valid IANA time zone name, or null (the UI sends its own in `X-Time-Zone`). */
export function validTimeZone(value: unknown): string | null {
  if (typeof value !== 'string' || !value || value.length > 64) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value;
  } catch {
    return null;
  }
}

/** A param already said in both languages (e.g. a list of per-account reasons), picked by the reader's language. */
export type LocalisedText = { ru: string; en: string };
export type MessageParams = Record<string, string | number | LocalisedText | null | undefined>;

const STATUS_NAMES: Record<Lang, Record<string, string>> = {
  ru: {
    PENDING: 'Ожидает',
    SCHEDULED: 'Запланирована',
    IN_PROGRESS: 'Выполняется',
    PAUSED: 'На паузе',
    COMPLETED: 'Завершена',
    FAILED: 'Ошибка',
    CANCELLED: 'Отменена',
  },
  en: {},
};

const CATALOGUE: Record<string, Record<Lang, string>> = {
  // Every domain's refusals, import row problems, stored reasons and report headers (src/shared/domain-messages.ts).
  ...DOMAIN_MESSAGES,
  // Why a task waits, is stuck, cannot start or ended; why an account may not act (src/tasks/why-messages.ts).
  ...TASK_WHY_MESSAGES,
  // Task lifecycle refusals.
  'ILLEGAL_TRANSITION.start': {
    ru: 'Нельзя запустить задачу «{name}»: её статус «{status}». Запустить можно только ещё не начатую задачу (приостановленную — продолжите, завершённую — скопируйте).',
    en: 'Cannot start task "{name}" because it is {status}: only a task that has not started yet can be started (resume a paused one, duplicate a finished one).',
  },
  'ILLEGAL_TRANSITION.pause': {
    ru: 'Нельзя поставить на паузу задачу «{name}»: её статус «{status}». На паузу ставится только выполняющаяся или запланированная задача.',
    en: 'Cannot pause task "{name}" because it is {status}: only a running or scheduled task can be paused.',
  },
  'ILLEGAL_TRANSITION.resume': {
    ru: 'Нельзя продолжить задачу «{name}»: её статус «{status}». Продолжить можно только задачу на паузе.',
    en: 'Cannot resume task "{name}" because it is {status}: only a paused task can be resumed.',
  },
  'ILLEGAL_TRANSITION.cancel': {
    ru: 'Нельзя отменить задачу «{name}»: её статус «{status}». Завершённую задачу отменить нельзя.',
    en: 'Cannot cancel task "{name}" because it is {status}: a finished task cannot be cancelled.',
  },
  'NO_TARGETS.empty': {
    ru: 'В задаче «{name}» ещё нет аудитории: загрузите файл или базу сервиса парсинга.',
    en: 'Task "{name}" has no audience yet: import a file or a Parsing Service base first.',
  },
  'NO_TARGETS.none_pending': {
    ru: 'В задаче «{name}» не осталось ожидающих получателей.',
    en: 'Task "{name}" has no pending targets left to process.',
  },
  TOO_MANY_ACTIVE_TASKS: {
    ru: 'У вас уже {max} запущенных или запланированных задач — это максимум; приостановите или завершите одну.',
    en: 'You already have {max} running or scheduled tasks; pause or finish one first.',
  },
  NO_TARGET_GROUP: {
    ru: 'У задачи «{name}» ещё нет целевой группы: сначала укажите группу.',
    en: 'Task "{name}" has no target group yet: set target_group first.',
  },
  GROUP_NOT_RESOLVED: {
    ru: 'Группа не найдена: проверьте ссылку, @имя или id и убедитесь, что ваш аккаунт её видит.',
    en: 'The target group could not be found.',
  },
  NO_READY_ADMIN: {
    ru: 'Сейчас ни один аккаунт не может приглашать в «{group}». Сделайте один из ваших аккаунтов админом с правом добавлять участников или дождитесь, пока аккаунты отдохнут.',
    en: 'No account can invite into "{group}" right now. Make one of your accounts an admin with the right to add members.',
  },
  NO_ADMIN_ACCOUNT: {
    ru: 'Ни один из ваших аккаунтов не админ «{group}» с правом добавлять участников.',
    en: 'None of your accounts is an admin of "{group}" with the right to add members.',
  },
  NO_ACCOUNT: {
    ru: 'Нет доступного аккаунта-отправителя ({mode}): добавьте аккаунт или включите отключённый.',
    en: 'You have no usable {mode} sender account: add one or enable a disabled one.',
  },
  'TASK_FINISHED.edit': {
    ru: 'Задача «{name}» уже завершена (статус «{status}»): менять можно только название и заметки. Сделайте копию, чтобы запустить снова.',
    en: 'Task "{name}" is {status}; only its name and notes can change. Duplicate it to run again.',
  },
  'TASK_FINISHED.targets': {
    ru: 'Задача «{name}» уже завершена (статус «{status}»): сделайте копию, чтобы обработать этих получателей снова.',
    en: 'Task "{name}" is {status}; duplicate it to run these targets again.',
  },
  'TASK_FINISHED.test': {
    ru: 'Задача «{name}» уже завершена (статус «{status}»): проверяйте на незавершённой задаче.',
    en: 'Task "{name}" is {status}: test on a task that has not finished.',
  },
  'TASK_FINISHED.import': {
    ru: 'Задача «{name}» уже завершена (статус «{status}»): импортируйте в новую задачу или в копию.',
    en: 'Task "{name}" is {status}; import into a new task or a duplicate.',
  },
  // Task edits and the test invite.
  NOT_AN_INVITE_TASK: { ru: 'Целевая группа есть только у задач-приглашений.', en: 'Only invite tasks have a target group.' },
  NOT_A_MESSAGE_TASK: { ru: 'Текст сообщения есть только у задач с личными сообщениями.', en: 'Only direct-message tasks have a message template.' },
  GROUP_LOCKED: { ru: 'Целевую группу можно изменить только до запуска задачи.', en: 'The target group can only change before the task starts.' },
  TASK_STATUS_CHANGED: {
    ru: 'Статус задачи «{name}» уже изменился на «{status}»: это изменение больше недоступно. Обновите страницу и попробуйте снова.',
    en: 'Task "{name}" is {status} now; this change is no longer allowed. Reload and try again.',
  },
  TASK_FULL: {
    ru: 'В задаче уже максимум получателей: добавить никого нельзя.',
    en: 'This task has reached its audience limit, so no one can be added to it.',
  },
  INVALID_USERNAME: { ru: 'Укажите юзернейм Telegram, например @jane_doe или t.me/jane_doe.', en: 'Give a Telegram username like @jane_doe or t.me/jane_doe.' },
  NO_ACCOUNT_AVAILABLE_NOW: {
    ru: 'Сейчас ни один аккаунт не может действовать, поэтому ничего не отправлено; попробуйте позже.',
    en: 'No account may act right now, so nothing was sent.',
  },
  // Accounts.
  PARSING_BASE_NOT_FOUND: {
    ru: 'Такой базы нет среди ваших баз сервиса парсинга: проверьте её номер или выберите базу из списка.',
    en: 'There is no such base among your Parsing Service bases: check its id, or pick one from the list.',
  },
  SCHEDULED_IN_PAST: {
    ru: 'Время запуска уже прошло: выберите время в будущем или запустите задачу сейчас.',
    en: 'The start time has already passed: choose a time in the future, or start the task now.',
  },
  INVALID_PHONE: {
    ru: 'Номер телефона — в международном формате, например +79161234567.',
    en: 'The phone number must be in international format, like +14155550123.',
  },
  SESSION_REQUIRED: {
    ru: 'Вставьте GramJS StringSession аккаунта, чтобы добавить аккаунт Telegram.',
    en: "Paste the account's GramJS StringSession to add a Telegram account.",
  },
  INVALID_SESSION: {
    ru: 'Это не похоже на GramJS StringSession (она начинается с «1» и длиной в несколько сотен символов).',
    en: 'That does not look like a GramJS StringSession.',
  },
  SESSION_REVOKED: {
    ru: 'Telegram не принимает эту сессию: из неё вышли, её отозвали или аккаунт удалён. Создайте новую сессию или подключите аккаунт по номеру или QR-коду.',
    en: 'Telegram does not accept this session: it was logged out or revoked, or the account is gone. Make a new one, or connect the account by phone or QR code.',
  },
  ACCOUNT_OWNED_ELSEWHERE: {
    ru: 'Этот аккаунт Telegram уже подключён другим пользователем сервиса; аккаунт может принадлежать только одному пользователю. Он не подключён.',
    en: 'This Telegram account is already connected by another user of this service; each Telegram account can belong to one user only. It was not connected.',
  },
  TASK_FINISHED: { ru: 'Задача уже завершена; сделайте копию, чтобы запустить снова.', en: 'The task has finished; duplicate it to run again.' },
  // Not found.
  'NOT_FOUND.Task': { ru: 'Задача не найдена.', en: 'Task was not found.' },
  'NOT_FOUND.Target': { ru: 'Получатель не найден.', en: 'Target was not found.' },
  'NOT_FOUND.Account': { ru: 'Аккаунт не найден.', en: 'Account was not found.' },
  'NOT_FOUND.Lease': { ru: 'Аренда аккаунта не найдена.', en: 'Lease was not found.' },
  'NOT_FOUND.Login attempt': { ru: 'Попытка входа не найдена.', en: 'Login attempt was not found.' },
  'NOT_FOUND.Do-not-contact entry': { ru: 'Запись в списке «Не писать» не найдена.', en: 'Do-not-contact entry was not found.' },
  NOT_FOUND: { ru: 'Не найдено.', en: 'Not found.' },
  'NOT_FOUND.route': { ru: 'Нет такого адреса: {method} {path}.', en: 'No route {method} {path}.' },
  // Sign-in and budgets.
  'UNAUTHENTICATED.missing': {
    ru: 'Сначала войдите: нужен заголовок «Authorization: Bearer <токен>».',
    en: 'Sign in first: send an "Authorization: Bearer <token>" header.',
  },
  'UNAUTHENTICATED.expired': { ru: 'Срок действия входа истёк; войдите снова.', en: 'Your session token has expired; sign in again.' },
  'UNAUTHENTICATED.invalid': { ru: 'Токен входа недействителен; войдите снова.', en: 'The session token is not valid.' },
  'UNAUTHENTICATED.no_user': { ru: 'Токен не указывает пользователя; войдите снова.', en: 'The token names no user.' },
  UNAUTHENTICATED: { ru: 'Войдите заново: токен отсутствует, истёк или неверен.', en: 'Sign in first.' },
  'RATE_LIMITED.requests': {
    ru: 'За последнюю минуту сделано {limit} запросов — это максимум; повторите через {retry_after} с.',
    en: 'You have made {limit} requests in the last minute, the most allowed; try again in {retry_after} s.',
  },
  'RATE_LIMITED.expensive': {
    ru: 'За последнюю минуту сделано {limit} импортов, проверок или отчётов — это максимум; повторите через {retry_after} с.',
    en: 'You have made {limit} imports, checks or reports in the last minute, the most allowed; try again in {retry_after} s.',
  },
  RATE_LIMITED: {
    ru: 'Слишком много запросов за последнюю минуту; подождите немного и попробуйте снова.',
    en: 'Too many requests in the last minute; wait a moment and try again.',
  },
  // Files.
  'FILE_TOO_LARGE.limit': {
    ru: 'Файл больше допустимых {mb} МБ: разделите его на части.',
    en: 'The file is larger than the {mb} MB limit; split it into smaller files.',
  },
  FILE_TOO_LARGE: {
    ru: 'Файл больше, чем принимает сервер: разделите его на части.',
    en: 'The file is larger than this server accepts; split it into smaller files.',
  },
  TOO_LARGE: { ru: 'Загрузка больше, чем принимает сервер.', en: 'The upload is larger than this server accepts.' },
  MALFORMED_FILE: { ru: 'Не удалось прочитать файл: проверьте формат (CSV, XLSX, JSON или TXT).', en: 'The file could not be read.' },
  // Requests.
  VALIDATION_FAILED: { ru: 'Некорректный запрос: {issues}', en: 'Invalid request: {issues}' },
  INVALID_JSON: { ru: 'Тело запроса — не корректный JSON.', en: 'The request body is not valid JSON.' },
  INTERNAL: { ru: 'Ошибка на сервере; она записана в журнал.', en: 'Something went wrong on the server; the error has been logged.' },
  SECONDS_REQUIRED: {
    ru: 'Для FLOOD_WAIT нужно указать seconds — сколько секунд попросила платформа.',
    en: 'A FLOOD_WAIT report needs the seconds the platform asked for.',
  },
  // Field checks the schemas mark with params.i18n.
  'FIELD.group_required': { ru: 'для приглашений укажите группу или канал', en: 'an invite task needs the group or channel to invite into' },
  'FIELD.template_required': { ru: 'для личных сообщений нужен текст сообщения', en: 'a direct-message task needs a message template' },
  'FIELD.parsing_base_unknown': { ru: 'среди ваших баз парсинга нет базы «{base}»', en: 'none of your Parsing Service bases is "{base}"' },
  'FIELD.scheduled_past': { ru: 'это время уже прошло: выберите время в будущем', en: 'this time has already passed: choose a time in the future' },
  'FIELD.accounts_none_chosen': {
    ru: 'выберите хотя бы один аккаунт или оставьте «все подходящие»',
    en: 'choose at least one account, or leave it to every suitable account',
  },
  'FIELD.account_not_yours': {
    ru: 'среди ваших аккаунтов нет аккаунта №{id}',
    en: 'none of your accounts has the id {id}',
  },
  'FIELD.priority_required': { ru: 'чтобы сменить приоритет, укажите новый приоритет', en: 'SET_PRIORITY needs a priority' },
  'FIELD.template_variable': {
    ru: 'неизвестная переменная {variable}: в тексте можно использовать {known}',
    en: 'unknown variable {variable}: the template can use {known}',
  },
  'FIELD.template_unclosed': {
    ru: 'переменная {variable} не закрыта скобкой «}»: так её и получат люди',
    en: 'variable {variable} is not closed with "}": people would get it as typed',
  },
  // Auto task names.
  'NAME.invite': { ru: 'Приглашения в {group} · {date}', en: 'Invites to {group} · {date}' },
  'NAME.message_prefix': { ru: 'Сообщения', en: 'Messages' },
  // Notifications (src/notifications): stored as a code and params, rendered in the reader's language.
  'NOTIFY.task_completed.invite_to_group': {
    ru: 'Задача «{name}» завершена: приглашено {invited} из {total}, пропущено {skipped}, не удалось {failed}.',
    en: 'Task "{name}" completed: {invited} of {total} invited, {skipped} skipped, {failed} failed.',
  },
  'NOTIFY.task_completed.direct_message': {
    ru: 'Задача «{name}» завершена: отправлено {sent} из {total}, пропущено {skipped}, не удалось {failed}.',
    en: 'Task "{name}" completed: {sent} of {total} messages sent, {skipped} skipped, {failed} failed.',
  },
  'NOTIFY.task_failed': { ru: 'Задача «{name}» остановлена с ошибкой: {reason}', en: 'Task "{name}" failed: {reason}' },
  'NOTIFY.task_attention': { ru: 'Задаче «{name}» нужно ваше внимание: {reason}', en: 'Task "{name}" needs your attention: {reason}' },
  'NOTIFY.account_retired.BANNED': {
    ru: 'Telegram заблокировал аккаунт «{label}»: он больше не будет приглашать и писать. Задачи продолжат другие ваши аккаунты.',
    en: 'Telegram banned account "{label}": it will no longer invite or send messages. Your other accounts carry on with the tasks.',
  },
  'NOTIFY.account_retired.DEAUTHORIZED': {
    ru: 'Аккаунт «{label}» вышел из Telegram (сеанс завершён): подключите его заново, чтобы он снова работал.',
    en: 'Account "{label}" was logged out of Telegram (its session ended): connect it again to use it.',
  },
  'NOTIFY.account_rested.PEER_FLOOD': {
    ru: 'Telegram ограничил аккаунт «{label}» за частые запросы (PeerFlood): он отдыхает {duration}, задачи идут медленнее. Если это повторяется, добавьте аккаунтов.',
    en: 'Telegram flagged account "{label}" for too many requests (PeerFlood): it rests for {duration} and tasks go slower. If this keeps happening, add accounts.',
  },
  'NOTIFY.account_rested.CONTACTS_IMPORT_LIMIT': {
    ru: 'Telegram временно ограничил аккаунту «{label}» поиск людей по номеру телефона: он вернётся к работе через {duration}. Люди с юзернеймами находятся без этого ограничения.',
    en: 'Telegram limits how many phone numbers account "{label}" may look up for now: it is back at work in {duration}. People given by username are found without this limit.',
  },
  'NOTIFY.account_rested.USER_RESTRICTED': {
    ru: 'Telegram ограничил аккаунт «{label}» из-за жалоб на спам: он отдыхает {duration}, задачи идут медленнее. Если это повторяется, смените текст или аудиторию.',
    en: 'Telegram restricted account "{label}" after spam reports: it rests for {duration} and tasks go slower. If this keeps happening, change the text or the audience.',
  },
  'NOTIFY.account_rested.PROXY_UNREACHABLE': {
    ru: 'Аккаунт «{label}» не может связаться с Telegram через свой прокси: он ничего не отправляет, люди ждут своей очереди или достаются другим аккаунтам. Проверьте прокси на карточке аккаунта (кнопка «Прокси»); следующая попытка через {duration}.',
    en: 'Account "{label}" cannot reach Telegram through its proxy: it sends nothing, and people wait their turn or go to other accounts. Check the proxy on the account\'s card (the Proxy button); it tries again in {duration}.',
  },
  'NOTIFY.account_rested.FLOOD_WAIT': {
    ru: 'Telegram попросил аккаунт «{label}» подождать (FloodWait): он вернётся к работе через {duration}.',
    en: 'Telegram asked account "{label}" to wait (FloodWait): it is back at work in {duration}.',
  },
  'NOTIFY.import_failed': { ru: 'Импорт аудитории в задачу «{name}» не удался: {reason}', en: 'The audience import into task "{name}" failed: {reason}' },
  'NOTIFY.no_reason': { ru: 'причина не указана.', en: 'no reason was given.' },
  'NOTIFY.webhook_test': {
    ru: 'Проверка вебхука: если вы читаете это, уведомления до вас доходят.',
    en: 'Webhook test: if you can read this, notifications reach you.',
  },
  'NOT_FOUND.Notification': { ru: 'Уведомление не найдено.', en: 'Notification was not found.' },
  // The webhook: refused addresses (settings) and why a delivery attempt failed (the delivery log).
  'WEBHOOK.invalid_url': {
    ru: 'Адрес вебхука должен быть полным адресом http:// или https://, например https://example.com/hooks/invites.',
    en: 'The webhook URL must be a full http:// or https:// URL, like https://example.com/hooks/invites.',
  },
  'WEBHOOK.private_address': {
    ru: 'Адрес вебхука ведёт во внутреннюю сеть или на этот же сервер ({address}); такие адреса запрещены.',
    en: 'The webhook URL points to a private, loopback or otherwise internal address ({address}); such addresses are refused.',
  },
  'WEBHOOK.unresolvable': { ru: 'Сервер {host} не найден (DNS).', en: 'The host {host} could not be resolved.' },
  'WEBHOOK.not_configured': { ru: 'Сначала сохраните адрес вебхука.', en: 'Save a webhook URL first.' },
  'WEBHOOK.timeout': { ru: 'получатель не ответил за {seconds} с', en: 'the receiver did not answer within {seconds} s' },
  'WEBHOOK.redirect': {
    ru: 'получатель ответил перенаправлением ({status}); перенаправления не выполняются — укажите конечный адрес',
    en: 'the receiver answered with a redirect ({status}); redirects are not followed: give the final URL',
  },
  'WEBHOOK.http_status': { ru: 'получатель ответил кодом {status}', en: 'the receiver answered {status}' },
  'WEBHOOK.network': { ru: 'не удалось соединиться: {detail}', en: 'could not connect: {detail}' },
  'WEBHOOK.refused': { ru: 'по этому адресу никто не принимает соединения ({detail})', en: 'nothing accepts connections at this address ({detail})' },
  'WEBHOOK.no_host': { ru: 'такого сайта нет: проверьте адрес ({detail})', en: 'no such site: check the address ({detail})' },
  'WEBHOOK.tls': {
    ru: 'сертификат HTTPS получателя не прошёл проверку — он не для этого адреса, просрочен или самоподписан ({detail})',
    en: "the receiver's HTTPS certificate failed the check: it is for another address, expired or self-signed ({detail})",
  },
  'WEBHOOK.reset': { ru: 'получатель оборвал соединение ({detail})', en: 'the receiver dropped the connection ({detail})' },
  // The XLSX report (src/stats/xlsx-report.ts): sheet names, column headers, summary labels, target statuses.
  'REPORT.sheet_summary': { ru: 'Сводка', en: 'Summary' },
  'REPORT.sheet_targets': { ru: 'Получатели', en: 'Targets' },
  'REPORT.col.id': { ru: 'ID', en: 'ID' },
  'REPORT.col.username': { ru: 'Юзернейм', en: 'Username' },
  'REPORT.col.user_id': { ru: 'ID в Telegram', en: 'Telegram user ID' },
  'REPORT.col.phone': { ru: 'Телефон', en: 'Phone' },
  'REPORT.col.first_name': { ru: 'Имя', en: 'First name' },
  'REPORT.col.last_name': { ru: 'Фамилия', en: 'Last name' },
  'REPORT.col.status': { ru: 'Статус', en: 'Status' },
  'REPORT.col.reason': { ru: 'Причина', en: 'Reason' },
  'REPORT.col.error_code': { ru: 'Код причины', en: 'Reason code' },
  'REPORT.col.account': { ru: 'Аккаунт', en: 'Account' },
  'REPORT.col.attempts': { ru: 'Попыток', en: 'Attempts' },
  'REPORT.col.processed_at': { ru: 'Обработан', en: 'Processed at' },
  'REPORT.sum.task': { ru: 'Задача', en: 'Task' },
  'REPORT.sum.type': { ru: 'Тип', en: 'Type' },
  'REPORT.sum.group': { ru: 'Группа', en: 'Group' },
  'REPORT.sum.status': { ru: 'Статус', en: 'Status' },
  'REPORT.status_of': { ru: '{status}', en: '{status}' },
  'REPORT.sum.mode': { ru: 'Режим', en: 'Platform mode' },
  'REPORT.sum.created': { ru: 'Создана', en: 'Created' },
  'REPORT.sum.started': { ru: 'Запущена', en: 'Started' },
  'REPORT.sum.finished': { ru: 'Завершена', en: 'Finished' },
  'REPORT.sum.generated': { ru: 'Отчёт создан', en: 'Report generated' },
  'REPORT.sum.time_zone': { ru: 'Часовой пояс', en: 'Time zone' },
  'REPORT.sum.total': { ru: 'Всего получателей', en: 'Total targets' },
  'REPORT.sum.pending': { ru: 'Ожидают', en: 'Pending' },
  'REPORT.sum.invited': { ru: 'Приглашены', en: 'Invited' },
  'REPORT.sum.sent': { ru: 'Отправлено', en: 'Sent' },
  'REPORT.sum.skipped': { ru: 'Пропущены', en: 'Skipped' },
  'REPORT.sum.failed': { ru: 'Ошибки', en: 'Failed' },
  'REPORT.sum.success_pct': { ru: 'Доля успешных', en: 'Success rate' },
  // In capitals as the app's sandbox banner: a file read away from the app must not pass for real results.
  'REPORT.mode.sandbox': { ru: 'ПЕСОЧНИЦА (имитация, не настоящие результаты Telegram)', en: 'SANDBOX (simulated, not real Telegram results)' },
  'REPORT.mode.telegram': { ru: 'Telegram', en: 'Telegram' },
  'REPORT.type.invite_to_group': { ru: 'Приглашения в группу', en: 'Invites to a group' },
  'REPORT.type.direct_message': { ru: 'Личные сообщения', en: 'Direct messages' },
  'REPORT.target.PENDING': { ru: 'Ожидает', en: 'Pending' },
  'REPORT.target.IN_FLIGHT': { ru: 'В работе', en: 'In progress' },
  'REPORT.target.INVITED': { ru: 'Приглашён', en: 'Invited' },
  'REPORT.target.SENT': { ru: 'Отправлено', en: 'Sent' },
  'REPORT.target.SKIPPED': { ru: 'Пропущен', en: 'Skipped' },
  'REPORT.target.FAILED': { ru: 'Ошибка', en: 'Failed' },
  'FIELD.time_zone': {
    ru: 'неизвестный часовой пояс: укажите имя IANA, например Europe/Moscow',
    en: 'unknown time zone: give an IANA name like Europe/Moscow',
  },
};

export function hasMessage(key: string): boolean {
  return key in CATALOGUE;
}

/**
 * A reason stored in the database (tasks.status_reason, job reasons, notification params) in `lang`: a known
 * message code renders with its params; anything else (rows written before reasons were codes) is returned as is.
 */
export function renderStoredReason(codeOrText: string | null, params: Record<string, unknown> | null | undefined, lang: Lang): string | null {
  if (codeOrText === null || !hasMessage(codeOrText)) return codeOrText;
  return renderMessage(codeOrText, lang, (params ?? {}) as MessageParams) ?? codeOrText;
}

/** The sentence for `key` in `lang` with its params filled in, or null when the key is unknown or a param is missing. */
export function renderMessage(key: string, lang: Lang, params: MessageParams = {}): string | null {
  const template = CATALOGUE[key]?.[lang];
  if (!template) return null;
  let missing = false;
  const text = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined || v === null) {
      missing = true;
      return '';
    }
    if (typeof v === 'object') return v[lang];
    return name === 'status' ? (STATUS_NAMES[lang][String(v)] ?? String(v)) : String(v);
  });
  return missing ? null : text;
}

/** A message in both languages, for a param of another message (rendered later in the reader's language). */
export function localised(key: string, params: MessageParams = {}): LocalisedText {
  return { ru: renderMessage(key, 'ru', params) ?? key, en: renderMessage(key, 'en', params) ?? key };
}

/**
 * A target's reason by its code (targets.error_code) in `lang`, else the sentence stored with it. English keeps the
 * stored sentence (what API clients have always read), as AppError does.
 */
export function renderTargetReason(code: string | null, stored: string | null, lang: Lang): string | null {
  if (lang === 'en' && stored) return stored;
  return (code ? renderMessage(`REASON.${code}`, lang) : null) ?? stored;
}

/** "23 нояб." / "23 Nov" in the given time zone. */
export function shortDate(at: Date, lang: Lang, timeZone: string): string {
  const fmt = (tz: string) => new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', timeZone: tz }).format(at);
  try {
    return fmt(timeZone);
  } catch {
    return fmt('UTC');
  }
}

/** The name a task gets when the user gives none: «Приглашения в ‹группа› · 23 нояб.», «Сообщения: ‹начало текста›… · 23 нояб.». */
export function autoTaskName(lang: Lang, what: { group: string } | { template: string }, at: Date, timeZone: string): string {
  const date = shortDate(at, lang, timeZone);
  if ('group' in what) return renderMessage('NAME.invite', lang, { group: what.group, date })!;
  return `${messageTaskName(what.template, renderMessage('NAME.message_prefix', lang)!)} · ${date}`;
}

/** One schema-validation problem as fastify-type-provider-zod (or src/http/input-guards.ts) reports it. */
export interface ValidationItem {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown> & { issue?: { path?: PropertyKey[]; message?: string } };
}

const NUL_RU = 'не должно содержать символ NUL (\\u0000)';

const TYPE_RU: Record<string, string> = {
  string: 'нужна строка',
  number: 'нужно число',
  int: 'нужно целое число',
  boolean: 'нужно true или false',
  array: 'нужен список',
  object: 'нужен объект',
  date: 'нужна дата и время, например 2026-11-23T10:00:00Z',
  bigint: 'нужно целое число',
};

/** A validation problem's text in Russian, from its zod issue code and params (never from its English text). */
function issueRu(v: ValidationItem): string {
  const p = v.params ?? {};
  const origin = String(p.origin ?? '');
  const min = p.minimum as number | bigint | Date | undefined;
  const max = p.maximum as number | bigint | Date | undefined;
  const n = (x: unknown) => (x instanceof Date ? x.toISOString().slice(0, 10) : String(x));
  // After «больше»/«меньше» the noun is genitive: singular after 1, 21, 101… (not 11), plural otherwise.
  const of = (x: unknown, one: string, many: string) => `${n(x)} ${Number(x) % 10 === 1 && Number(x) % 100 !== 11 ? one : many}`;
  switch (v.keyword) {
    case 'too_small':
      if (origin === 'string')
        return Number(min) <= 1 ? 'обязательное поле: не может быть пустым' : `слишком коротко: нужно не меньше ${of(min, 'символа', 'символов')}`;
      if (origin === 'array' || origin === 'set')
        return Number(min) <= 1 ? 'список не может быть пустым' : `нужно не меньше ${of(min, 'элемента', 'элементов')}`;
      if (origin === 'date') return 'дата должна быть в пределах 1970–9999 годов';
      return p.inclusive === false ? `должно быть больше ${n(min)}` : `должно быть не меньше ${n(min)}`;
    case 'too_big':
      if (origin === 'string') return `слишком длинно: не больше ${of(max, 'символа', 'символов')}`;
      if (origin === 'array' || origin === 'set') return `не больше ${of(max, 'элемента', 'элементов')}`;
      if (origin === 'date') return 'дата должна быть в пределах 1970–9999 годов';
      return p.inclusive === false ? `должно быть меньше ${n(max)}` : `должно быть не больше ${n(max)}`;
    case 'invalid_type': {
      if (/received undefined/.test(v.message ?? '') || ('input' in p && p.input === undefined)) return 'обязательное поле';
      const expected = String(p.expected ?? '');
      return TYPE_RU[expected] ?? 'неверный тип значения';
    }
    case 'invalid_value': {
      const values = Array.isArray(p.values) ? p.values.map(String) : [];
      return values.length ? `допустимые значения: ${values.join(', ')}` : 'недопустимое значение';
    }
    case 'invalid_format':
      return p.format === 'uuid' ? 'нужен UUID' : p.format === 'email' ? 'нужен адрес электронной почты' : `неверный формат (${String(p.format ?? '')})`;
    case 'unrecognized_keys':
      return `неизвестные поля: ${Array.isArray(p.keys) ? p.keys.join(', ') : ''}`;
    case 'not_multiple_of':
      return `должно быть кратно ${String(p.divisor ?? '')}`;
    case 'custom': {
      const key = (p.params as { i18n?: string } | undefined)?.i18n;
      const text = key ? renderMessage(key, 'ru', p.params as MessageParams) : null;
      if (text) return text;
      if ((v.message ?? p.issue?.message ?? '').includes('NUL')) return NUL_RU;
      return 'недопустимое значение';
    }
    default:
      return 'недопустимое значение';
  }
}

/** The field a validation problem is about (`name`, `targets.3.username`), without the `body`/`query` prefix. */
export function issueField(v: ValidationItem): string {
  const fromIssue = v.params?.issue?.path;
  if (Array.isArray(fromIssue) && fromIssue.length) return fromIssue.map(String).join('.');
  return (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
}

/** A validation problem's text in `lang`: English keeps zod's (or the schema's own) message. */
export function issueText(v: ValidationItem, lang: Lang): string {
  if (lang === 'ru') return issueRu(v);
  return v.params?.issue?.message ?? v.message ?? 'is invalid';
}
