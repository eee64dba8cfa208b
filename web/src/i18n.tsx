import { createContext, useContext, useState, type ReactNode } from 'react';

const en = {
  appName: 'Invite Orchestrator', tasks: 'Tasks', newTask: 'New task', accounts: 'Accounts', dashboard: 'Dashboard',
  sandboxBanner: 'SANDBOX — simulated Telegram. Nothing here is sent to real people; results are not real.',
  signIn: 'Sign in', tokenPrompt: 'Paste your access token (JWT). Your unsaved form stays as it is.', token: 'Access token', save: 'Save',
  signOut: 'Sign out', language: 'Language', theme: 'Theme', light: 'Light', dark: 'Dark',
  name: 'Name', group: 'Target group', type: 'Type', status: 'Status', progress: 'Progress', priority: 'Priority', eta: 'ETA', actions: 'Actions',
  invite_to_group: 'Invite to group', direct_message: 'Direct message',
  start: 'Start', pause: 'Pause', resume: 'Resume', cancel: 'Cancel', duplicate: 'Duplicate', delete: 'Delete', open: 'Open',
  confirmDelete: 'Delete task "{name}" with its audience and log? This cannot be undone.',
  confirmCancel: 'Cancel task "{name}"? It cannot be restarted (you can duplicate it).',
  noTasks: 'No tasks yet. Create one to start inviting.', loading: 'Loading…', all: 'All', search: 'Search by name',
  page: 'Page {page} of {pages}', prev: 'Previous', next: 'Next', total: 'total',
  HIGH: 'High', MEDIUM: 'Medium', LOW: 'Low',
  PENDING: 'Pending', SCHEDULED: 'Scheduled', IN_PROGRESS: 'In progress', PAUSED: 'Paused', COMPLETED: 'Completed', FAILED: 'Failed', CANCELLED: 'Cancelled',
  IN_FLIGHT: 'In flight', INVITED: 'Invited', SENT: 'Sent', SKIPPED: 'Skipped',
  ACTIVE: 'Active', RESTING: 'Resting', FLOOD_WAIT: 'Flood wait', PEER_FLOOD: 'Peer flood', BANNED: 'Banned', DEAUTHORIZED: 'Logged out', DISABLED: 'Disabled',
  taskType: 'What to do', groupLink: 'Group/channel ID or link *', groupHint: '@name, t.me/link or -100… id',
  checking: 'Checking the group…', readyAccounts: 'Ready admin accounts', unavailableAccounts: 'Unavailable accounts',
  remainingToday: '{n} invites left today', availableAt: 'available {at}', noReadyAccounts: 'No account can invite into this group right now.',
  audience: 'Audience *', fromBase: 'Parsing Service base', fromFile: 'Upload a file', chooseBase: 'Choose a base…', results: 'results',
  fileHint: 'CSV, XLSX, JSON or TXT, up to 10 MB. Usernames, @names, t.me links, user ids or +phones.',
  previewTitle: 'Preview', valid: 'valid', duplicates: 'duplicates', invalid: 'invalid', row: 'Row',
  messageTemplate: 'Message *', templateHint: 'Variables: {username}, {first_name}', livePreview: 'Preview for @jane_doe (Jane):',
  when: 'When', startNow: 'Start now', startLater: 'At a date and time', createOnly: 'Save without starting',
  safePacing: 'Safe pacing: ~{n}/day (ready accounts: {k}). The Account Manager sets the pace; it cannot be sped up.',
  create: 'Create task', creating: 'Creating…', audienceRequired: 'Choose an audience: a Parsing Service base or a file.',
  basesUnavailable: 'Parsing Service bases are unavailable: {reason}',
  counters: 'Counters', pending: 'Pending', invited: 'Invited', sent: 'Sent', skipped: 'Skipped', failed: 'Failed',
  skippedByReason: 'Skipped, by reason', failedByReason: 'Failed, by reason', perAccount: 'Per account', activity: 'Actions per hour', activityDaily: 'Actions per day', byHour: 'By hour', byDay: 'By day',
  recentActions: 'Recent actions', targetsTitle: 'Targets', downloadReport: 'Download report (CSV)', nothingYet: 'Nothing yet.',
  feedInvited: 'User {who} added to {group}', feedSent: 'Message sent to {who}', feedCouldNot: 'Could not {verb} {who}: {reason}',
  feedRetry: 'Will retry {who}: {reason}', feedAccount: 'Account {account}: {reason}', feedUnknown: 'Outcome for {who} unknown after a worker stopped; not repeated',
  verbInvite: 'invite', verbMessage: 'message',
  addAccount: 'Add account', label: 'Label', sessionString: 'GramJS StringSession', phone: 'Phone (optional)',
  sandboxAccountHint: 'This server runs the sandbox: a simulated account is created (admin of the demo groups).',
  todayUsage: 'Today', lifetimePerGroup: 'Lifetime per group', restUntil: 'Rests until {at}', disable: 'Disable', enable: 'Enable',
  noAccounts: 'No sender accounts yet.', tasksByStatus: 'Tasks by status', invites30: 'Invites, last 30 days', successRate: 'Success rate',
  last30: 'Last 30 days', day: 'Day',
  backgroundJobs: 'Background jobs', QUEUED: 'Queued', RUNNING: 'Running',
  import_file: 'File import', import_parsing: 'Parsing Service import', task_report: 'Report file', task_start: 'Scheduled start',
  jobProgress: '{rows} rows read, {imported} added', jobImported: '{imported} added · {duplicates} duplicates · {invalid} invalid',
  jobReport: '{rows} rows', jobRunsAt: 'runs {at}', jobStarted: 'task started', jobStartRefused: 'not started: {reason}',
  download: 'Download', prepareReport: 'Prepare report file',
  jobRetrying: 'will retry (attempt {n} of {max}): {reason}', fileUnreadable: 'The file could not be read: {detail}',
} as const;

type Dict = Record<keyof typeof en, string>;

const ru: Dict = {
  appName: 'Invite Orchestrator', tasks: 'Задачи', newTask: 'Новая задача', accounts: 'Аккаунты', dashboard: 'Сводка',
  sandboxBanner: 'ПЕСОЧНИЦА — имитация Telegram. Ничего не отправляется реальным людям; результаты не настоящие.',
  signIn: 'Вход', tokenPrompt: 'Вставьте токен доступа (JWT). Несохранённая форма останется как есть.', token: 'Токен доступа', save: 'Сохранить',
  signOut: 'Выйти', language: 'Язык', theme: 'Тема', light: 'Светлая', dark: 'Тёмная',
  name: 'Название', group: 'Целевая группа', type: 'Тип', status: 'Статус', progress: 'Прогресс', priority: 'Приоритет', eta: 'Осталось', actions: 'Действия',
  invite_to_group: 'Приглашение в группу', direct_message: 'Личное сообщение',
  start: 'Запустить', pause: 'Пауза', resume: 'Продолжить', cancel: 'Отменить', duplicate: 'Копия', delete: 'Удалить', open: 'Открыть',
  confirmDelete: 'Удалить задачу «{name}» вместе с аудиторией и журналом? Это необратимо.',
  confirmCancel: 'Отменить задачу «{name}»? Её нельзя будет перезапустить (можно сделать копию).',
  noTasks: 'Задач пока нет. Создайте первую, чтобы начать приглашать.', loading: 'Загрузка…', all: 'Все', search: 'Поиск по названию',
  page: 'Страница {page} из {pages}', prev: 'Назад', next: 'Вперёд', total: 'всего',
  HIGH: 'Высокий', MEDIUM: 'Средний', LOW: 'Низкий',
  PENDING: 'Ожидает', SCHEDULED: 'Запланирована', IN_PROGRESS: 'Выполняется', PAUSED: 'На паузе', COMPLETED: 'Завершена', FAILED: 'Ошибка', CANCELLED: 'Отменена',
  IN_FLIGHT: 'В работе', INVITED: 'Приглашён', SENT: 'Отправлено', SKIPPED: 'Пропущен',
  ACTIVE: 'Активен', RESTING: 'Отдыхает', FLOOD_WAIT: 'Flood wait', PEER_FLOOD: 'Peer flood', BANNED: 'Заблокирован', DEAUTHORIZED: 'Разлогинен', DISABLED: 'Отключён',
  taskType: 'Что сделать', groupLink: 'ID или ссылка на группу/канал *', groupHint: '@имя, ссылка t.me или id вида -100…',
  checking: 'Проверяем группу…', readyAccounts: 'Готовые аккаунты-админы', unavailableAccounts: 'Недоступные аккаунты',
  remainingToday: 'сегодня осталось {n} приглашений', availableAt: 'доступен {at}', noReadyAccounts: 'Сейчас ни один аккаунт не может приглашать в эту группу.',
  audience: 'Аудитория *', fromBase: 'База из сервиса парсинга', fromFile: 'Загрузить файл', chooseBase: 'Выберите базу…', results: 'записей',
  fileHint: 'CSV, XLSX, JSON или TXT до 10 МБ. Юзернеймы, @имена, ссылки t.me, id или +телефоны.',
  previewTitle: 'Предпросмотр', valid: 'корректных', duplicates: 'дубликатов', invalid: 'ошибочных', row: 'Строка',
  messageTemplate: 'Сообщение *', templateHint: 'Переменные: {username}, {first_name}', livePreview: 'Как увидит @jane_doe (Jane):',
  when: 'Когда', startNow: 'Сразу', startLater: 'В дату и время', createOnly: 'Сохранить без запуска',
  safePacing: 'Безопасный темп: ~{n}/день (готовых аккаунтов: {k}). Темп задаёт менеджер аккаунтов, ускорить его нельзя.',
  create: 'Создать задачу', creating: 'Создаём…', audienceRequired: 'Выберите аудиторию: базу сервиса парсинга или файл.',
  basesUnavailable: 'Базы сервиса парсинга недоступны: {reason}',
  counters: 'Счётчики', pending: 'Ожидают', invited: 'Приглашено', sent: 'Отправлено', skipped: 'Пропущено', failed: 'Ошибки',
  skippedByReason: 'Пропущены, по причинам', failedByReason: 'Ошибки, по причинам', perAccount: 'По аккаунтам', activity: 'Действий в час', activityDaily: 'Действий в день', byHour: 'По часам', byDay: 'По дням',
  recentActions: 'Последние действия', targetsTitle: 'Получатели', downloadReport: 'Скачать отчёт (CSV)', nothingYet: 'Пока ничего.',
  feedInvited: 'Пользователь {who} добавлен в {group}', feedSent: 'Сообщение отправлено {who}', feedCouldNot: 'Не удалось {verb} {who}: {reason}',
  feedRetry: 'Повторим для {who}: {reason}', feedAccount: 'Аккаунт {account}: {reason}', feedUnknown: 'Результат для {who} неизвестен после остановки воркера; не повторяем',
  verbInvite: 'пригласить', verbMessage: 'написать',
  addAccount: 'Добавить аккаунт', label: 'Название', sessionString: 'GramJS StringSession', phone: 'Телефон (необязательно)',
  sandboxAccountHint: 'Сервер работает в песочнице: будет создан имитируемый аккаунт (админ демо-групп).',
  todayUsage: 'Сегодня', lifetimePerGroup: 'Всего по группам', restUntil: 'Отдыхает до {at}', disable: 'Отключить', enable: 'Включить',
  noAccounts: 'Аккаунтов-отправителей пока нет.', tasksByStatus: 'Задачи по статусам', invites30: 'Приглашений за 30 дней', successRate: 'Успешность',
  last30: 'Последние 30 дней', day: 'День',
  backgroundJobs: 'Фоновые задания', QUEUED: 'В очереди', RUNNING: 'В работе',
  import_file: 'Импорт файла', import_parsing: 'Импорт из сервиса парсинга', task_report: 'Файл отчёта', task_start: 'Запуск по расписанию',
  jobProgress: 'прочитано строк: {rows}, добавлено: {imported}', jobImported: 'добавлено {imported} · дубликатов {duplicates} · ошибочных {invalid}',
  jobReport: 'строк: {rows}', jobRunsAt: 'запуск {at}', jobStarted: 'задача запущена', jobStartRefused: 'не запущена: {reason}',
  download: 'Скачать', prepareReport: 'Подготовить файл отчёта',
  jobRetrying: 'повторим (попытка {n} из {max}): {reason}', fileUnreadable: 'Файл не удалось прочитать: {detail}',
};

/** Reasons by platform error code, so the feed and tables read naturally in Russian too. */
const REASONS_RU: Record<string, string> = {
  USER_PRIVACY_RESTRICTED: 'настройки приватности запрещают приглашения',
  USER_NOT_MUTUAL_CONTACT: 'пользователь принимает приглашения только от взаимных контактов',
  USER_CHANNELS_TOO_MUCH: 'пользователь уже состоит в слишком многих группах',
  USER_ALREADY_PARTICIPANT: 'пользователь уже участник',
  USER_KICKED: 'пользователь был удалён из группы администратором',
  USERNAME_NOT_OCCUPIED: 'пользователя с таким юзернеймом нет',
  USERNAME_INVALID: 'некорректный юзернейм',
  PEER_ID_INVALID: 'аккаунт не знает этот id (используйте юзернейм)',
  PHONE_NOT_FOUND: 'по этому номеру не найден аккаунт Telegram',
  USER_IS_BLOCKED: 'пользователь заблокировал этот аккаунт',
  FLOOD_WAIT: 'Telegram попросил подождать (FloodWait)',
  PEER_FLOOD: 'Telegram ограничил аккаунт за частые запросы (PeerFlood)',
  CHAT_ADMIN_REQUIRED: 'аккаунт не админ этой группы',
  OUTCOME_UNKNOWN: 'воркер остановился во время отправки; не повторяем, чтобы не задвоить',
  SKIPPED_BY_USER: 'пропущен владельцем задачи',
  // Background jobs and starts refused after a background import.
  SIGN_IN_EXPIRED: 'срок входа истёк до конца импорта, поэтому сервис парсинга нельзя спросить от вашего имени; запустите импорт ещё раз',
  ABANDONED: 'задание трижды останавливалось вместе с воркером и было прекращено',
  INPUT_GONE: 'загруженный файл больше не хранится; загрузите его ещё раз',
  TASK_FINISHED: 'задача уже завершена; импортируйте в новую задачу или копию',
  NO_TARGETS: 'в задаче нет ожидающих получателей',
  NO_READY_ADMIN: 'сейчас ни один аккаунт не может приглашать в эту группу',
  NO_ADMIN_ACCOUNT: 'ни один из ваших аккаунтов не админ этой группы с правом добавлять участников',
  NO_ACCOUNT: 'нет доступного аккаунта-отправителя',
  TOO_MANY_ACTIVE_TASKS: 'слишком много запущенных и запланированных задач; приостановите или завершите одну',
  GROUP_NOT_RESOLVED: 'группа не найдена',
};

export type Lang = 'ru' | 'en';
export type T = (key: keyof typeof en, vars?: Record<string, string | number>) => string;

const I18nContext = createContext<{ lang: Lang; setLang: (l: Lang) => void; t: T; reason: (code: string | null, fallback: string | null) => string }>(null!);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem('lang') === 'en' ? 'en' : 'ru'));
  const setLang = (l: Lang) => { localStorage.setItem('lang', l); document.documentElement.lang = l; setLangState(l); };
  const dict: Dict = lang === 'ru' ? ru : en;
  const t: T = (key, vars) => (dict[key] ?? en[key] ?? key).replace(/\{(\w+)\}/g, (m, v) => (vars && v in vars ? String(vars[v]) : m));
  const reason = (code: string | null, fallback: string | null) => (lang === 'ru' && code && REASONS_RU[code]) || fallback || code || '';
  return <I18nContext.Provider value={{ lang, setLang, t, reason }}>{children}</I18nContext.Provider>;
}

export const useI18n = () => useContext(I18nContext);
