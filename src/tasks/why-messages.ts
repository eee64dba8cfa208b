/**
 * Sentences that say why a task waits, is stuck, cannot start or ended (src/tasks/task-why.ts, the create
 * form's refusal), and why one account may not act now (the task page's accounts panel). Spread into the
 * catalogue of src/shared/messages.ts; kept here so this domain grows without editing the shared file.
 *
 * `{until}` is a moment already written for the reader (14:20, or 24 Nov, 00:00 when not today, in their time zone).
 */
export const TASK_WHY_MESSAGES: Record<string, { ru: string; en: string }> = {
  // A running task that waits: what every account it may use is waiting for.
  'WHY.resting': { ru: 'Все аккаунты отдыхают до {until}.', en: 'Every account is resting until {until}.' },
  'WHY.unreachable': {
    ru: 'Аккаунты не могут связаться с Telegram (прокси или сеть) — следующая попытка в {until}. Проверьте прокси на странице «Аккаунты».',
    en: 'The accounts cannot reach Telegram (their proxy or the network); next try at {until}. Check the proxies on the Accounts page.',
  },
  'WHY.flood_wait': {
    ru: 'Telegram попросил аккаунты подождать (FloodWait) — продолжим в {until}.',
    en: 'Telegram asked the accounts to wait (FloodWait); sending resumes at {until}.',
  },
  'WHY.peer_flood': {
    ru: 'Аккаунты отдыхают после ограничения Telegram (PeerFlood) до {until}.',
    en: 'The accounts are resting after a Telegram restriction (PeerFlood) until {until}.',
  },
  'WHY.daily_limits': {
    ru: 'Дневные лимиты всех аккаунтов исчерпаны — продолжим {until}.',
    en: 'Every account has reached its daily limits; sending resumes at {until}.',
  },
  'WHY.pacing': {
    ru: 'Пауза между действиями, чтобы аккаунты не заблокировали. Следующее — в {until}.',
    en: 'Pausing between actions to keep the accounts safe; the next one at {until}.',
  },
  'WHY.in_use': {
    ru: 'Аккаунты сейчас заняты другими задачами — следующая попытка в {until}.',
    en: 'The accounts are busy with other tasks; the next try at {until}.',
  },
  'WHY.retry_wait': {
    ru: 'Оставшиеся получатели ждут повтора после сбоя связи — следующий в {until}.',
    en: 'The remaining people wait for a retry after a connection problem; the next at {until}.',
  },
  'WHY.circuit_open': {
    ru: 'Telegram массово не отвечает — отправка приостановлена до {until} и возобновится сама.',
    en: 'Telegram is failing to answer; sending is paused until {until} and resumes by itself.',
  },
  'WHY.paused': { ru: 'Задача на паузе — нажмите «Продолжить».', en: 'The task is paused: press Resume.' },
  'WHY.scheduled': { ru: 'Задача запустится по расписанию: {until}.', en: 'The task starts as scheduled: {until}.' },
  'WHY.not_started': { ru: 'Задача ещё не запущена — нажмите «Запустить».', en: 'The task has not started yet: press Start.' },
  // A running task no account can ever serve (the scheduler ends it with the TASK_REASON below).
  'WHY.group_lifetime': {
    ru: 'Лимит {limit} приглашений в эту группу исчерпан всеми аккаунтами — добавьте аккаунт.',
    en: 'The limit of {limit} invites into this group is used up by every account: add an account.',
  },
  'WHY.no_admin_rights': {
    ru: 'У аккаунтов больше нет прав администратора в группе — сделайте аккаунт админом с правом добавлять участников.',
    en: 'The accounts no longer have admin rights in the group: make an account an admin with the right to add members.',
  },
  'WHY.accounts_lost': {
    ru: 'Все аккаунты задачи заблокированы или вышли из сессии — добавьте аккаунт.',
    en: 'Every account of the task is banned or logged out: add an account.',
  },
  'WHY.accounts_disabled': {
    ru: 'Все аккаунты задачи отключены вами — включите аккаунт, чтобы продолжить.',
    en: 'You disabled every account of the task: enable one to continue.',
  },
  // A task that cannot start (a draft, or the create form's refusal, per field).
  'WHY.no_accounts': {
    ru: 'Нет доступного аккаунта-отправителя — добавьте аккаунт или включите отключённый.',
    en: 'There is no usable sender account: add one or enable a disabled one.',
  },
  'WHY.no_audience': { ru: 'В задаче нет получателей — загрузите файл или базу.', en: 'The task has no audience: import a file or a base.' },
  'WHY.nobody_pending': {
    ru: 'Все получатели задачи уже пропущены или обработаны: ждать некого — добавьте людей.',
    en: 'Everyone in this task is already skipped or done: no one is waiting — add people.',
  },
  'WHY.accounts_unreachable': {
    ru: 'Ни один аккаунт не связался с Telegram, поэтому группу проверить не удалось. Проверьте прокси аккаунтов на странице «Аккаунты» и попробуйте снова.',
    en: 'No account reached Telegram, so the group could not be checked. Check the accounts’ proxies on the Accounts page and try again.',
  },
  'WHY.group_not_found': {
    ru: 'Группа не найдена — проверьте ссылку и что ваш аккаунт её видит.',
    en: 'The group was not found: check the link and that your account can see it.',
  },
  'WHY.no_admin': {
    ru: 'Ни один ваш аккаунт не админ группы «{group}» с правом добавлять участников.',
    en: 'None of your accounts is an admin of "{group}" with the right to add members.',
  },
  'WHY.no_ready_account': {
    ru: 'Сейчас ни один аккаунт не может приглашать в «{group}»: все отдыхают или исчерпали лимиты.',
    en: 'No account can invite into "{group}" right now: they are all resting or at their limits.',
  },
  TASK_CANNOT_START: {
    ru: 'Задачу нельзя запустить: {reasons} Исправьте это или сохраните задачу как черновик.',
    en: 'The task cannot start: {reasons} Fix this or save the task as a draft.',
  },
  // Stored when the scheduler ends a task no account can ever serve (tasks.status_reason).
  'TASK_REASON.group_lifetime_exhausted': {
    ru: 'Задача остановлена: лимит {limit} приглашений в эту группу исчерпан всеми аккаунтами — добавьте аккаунт и запустите копию задачи.',
    en: 'The task stopped: the limit of {limit} invites into this group is used up by every account. Add an account and run a duplicate of the task.',
  },
  // One account on the task page: why it may not act now.
  'ACCOUNT_WHY.pacing': { ru: 'пауза между действиями до {until}', en: 'pausing between actions until {until}' },
  'ACCOUNT_WHY.in_use': { ru: 'занят другой задачей до {until}', en: 'busy with another task until {until}' },
  'ACCOUNT_WHY.flood_wait': { ru: 'FloodWait от Telegram до {until}', en: 'waiting out a Telegram FloodWait until {until}' },
  'ACCOUNT_WHY.peer_flood': { ru: 'отдыхает после PeerFlood до {until}', en: 'resting after PeerFlood until {until}' },
  'ACCOUNT_WHY.resting': { ru: 'отдыхает до {until}', en: 'resting until {until}' },
  'ACCOUNT_WHY.unreachable': {
    ru: 'не связывается с Telegram (прокси или сеть), следующая попытка в {until}',
    en: 'cannot reach Telegram (its proxy or the network); next try at {until}',
  },
  'ACCOUNT_WHY.daily_invites': { ru: 'дневной лимит приглашений исчерпан до {until}', en: 'daily invite limit reached until {until}' },
  'ACCOUNT_WHY.daily_messages': { ru: 'дневной лимит сообщений исчерпан до {until}', en: 'daily message limit reached until {until}' },
  'ACCOUNT_WHY.group_daily': { ru: 'дневной лимит в эту группу исчерпан до {until}', en: 'daily limit into this group reached until {until}' },
  'ACCOUNT_WHY.group_lifetime': { ru: 'лимит приглашений в эту группу исчерпан навсегда', en: 'lifetime limit into this group reached for good' },
  'ACCOUNT_WHY.retired': { ru: 'заблокирован или вышел из сессии', en: 'banned or logged out' },
  'ACCOUNT_WHY.disabled': { ru: 'отключён вами', en: 'disabled by you' },
  'ACCOUNT_WHY.not_found': { ru: 'аккаунт не найден', en: 'account not found' },
  'ACCOUNT_WHY.not_eligible': { ru: 'не может работать в этой задаче: {reason}', en: 'cannot work on this task: {reason}' },
  'ACCOUNT_WHY.not_chosen': { ru: 'не выбран для этой задачи', en: 'not chosen for this task' },
  // A task whose chosen accounts cannot serve it (the start's refusal, the create form's field).
  NO_CHOSEN_ADMIN: {
    ru: 'Ни один из аккаунтов, выбранных для задачи, не может приглашать в «{group}»: выберите аккаунт-админ с правом добавлять участников или «все подходящие».',
    en: 'None of the accounts chosen for this task can invite into "{group}": choose an admin with the right to add members, or every suitable account.',
  },
  NO_CHOSEN_ACCOUNT: {
    ru: 'Ни один из аккаунтов, выбранных для задачи, сейчас не может работать: выберите другие аккаунты или «все подходящие».',
    en: 'None of the accounts chosen for this task can work: choose other accounts, or every suitable account.',
  },
};
