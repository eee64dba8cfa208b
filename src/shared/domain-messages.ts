/**
 * The domain part of the message catalogue (src/shared/messages.ts spreads it into CATALOGUE): refusals of
 * every domain, import row problems, reasons stored in the database (task status reasons, target reasons by
 * platform code, job reasons, account limits and group-check verdicts) and the report's header row.
 *
 * Kept apart from messages.ts so the many domains can grow their sentences without editing the shared file.
 * Keys are stable codes; `{name}` params are filled by renderMessage. The Russian text is what a marketer reads.
 */
/** Sentences Telegram gives two codes for (USER_IS_BOT / USER_BOT, USER_IS_BLOCKED / USER_BLOCKED): written once. */
const IS_A_BOT = { ru: 'пользователь — бот', en: 'the user is a bot' };
const BLOCKED_THIS_ACCOUNT = { ru: 'пользователь заблокировал этот аккаунт', en: 'the user has blocked this account' };

export const DOMAIN_MESSAGES: Record<string, { ru: string; en: string }> = {
  /** A text already said in both languages (a LocalisedText param), passed through. */
  TEXT: { ru: '{text}', en: '{text}' },
  // Uploads.
  NOT_MULTIPART: {
    ru: 'Загрузите файл как multipart/form-data в поле «file».',
    en: 'Upload the file as multipart/form-data in a field named "file".',
  },
  NO_FILE: { ru: 'Файл не загружен: отправьте его в поле формы «file».', en: 'No file was uploaded: send it in a form field named "file".' },
  INVALID_TASK_ID: { ru: 'task_id — положительное число не больше {max}.', en: 'task_id must be a positive number of at most {max}.' },
  BACKGROUND_NEEDS_TASK: {
    ru: 'Фоновый импорт пишет в задачу: укажите task_id (и без dry_run).',
    en: 'A background import writes into a task: give task_id (and no dry_run).',
  },
  INPUT_GONE: {
    ru: 'Загруженный файл больше не хранится в этом задании; загрузите его ещё раз.',
    en: 'The uploaded file is no longer stored with this job; upload it again.',
  },
  'MALFORMED_FILE.empty': { ru: 'Файл пустой.', en: 'The file is empty.' },
  'MALFORMED_FILE.header_only': {
    ru: 'В файле только строка заголовков — людей в нём нет.',
    en: 'The file has only a header row — there are no people in it.',
  },
  // What reading an audience file did that its preview says (ImportReport.notes).
  'IMPORT_NOTE.rows_above_header': {
    ru: 'Над строкой заголовков пропущено строк: {n} — это не люди (название выгрузки, пустые строки).',
    en: 'Rows skipped above the header row: {n} — they are not people (a title, blank lines).',
  },
  'IMPORT_NOTE.columns': { ru: 'Колонки файла: {columns}.', en: "The file's columns: {columns}." },
  'IMPORT_NOTE.columns_unused': {
    ru: 'Не используются (в них не ищем ни ник, ни телефон, ни имя): {columns}.',
    en: 'Not used (no username, phone or name is looked for in them): {columns}.',
  },
  'IMPORT_FIELD.username': { ru: 'ник в Telegram', en: 'Telegram username' },
  'IMPORT_FIELD.user_id': { ru: 'id в Telegram', en: 'Telegram user id' },
  'IMPORT_FIELD.phone': { ru: 'телефон', en: 'phone' },
  'IMPORT_FIELD.first_name': { ru: 'имя', en: 'first name' },
  'IMPORT_FIELD.last_name': { ru: 'фамилия', en: 'last name' },
  'IMPORT_FIELD.full_name': { ru: 'имя и фамилия', en: 'full name' },
  'IMPORT_FIELD.full_name_surname_first': { ru: 'ФИО, фамилия первой', en: 'full name, surname first' },
  'IMPORT_FIELD.psd': { ru: 'данные Parsing Service', en: 'Parsing Service data' },
  'IMPORT_NOTE.other_sheet': {
    ru: 'Люди прочитаны с листа «{sheet}»: на первом листе, «{first}», их нет.',
    en: 'People were read from the sheet "{sheet}": the first sheet, "{first}", has none.',
  },
  'MALFORMED_FILE.binary': {
    ru: 'Это не текстовый файл, а двоичные данные: сохраните список как CSV, TXT, JSON или книгу Excel (.xlsx).',
    en: 'The file holds binary data, not text: save the list as CSV, TXT, JSON or an .xlsx workbook.',
  },
  'MALFORMED_FILE.zip': {
    ru: 'Файл — zip-архив, а не CSV, JSON или текст: сохраните книгу Excel с расширением .xlsx.',
    en: 'The file is a zip archive, not a CSV, JSON or text file: give .xlsx workbooks the .xlsx extension.',
  },
  'MALFORMED_FILE.xls': {
    ru: 'Старые файлы .xls не поддерживаются: сохраните лист как .xlsx или .csv.',
    en: 'Old .xls files are not supported: save the sheet as .xlsx or .csv.',
  },
  'MALFORMED_FILE.json': { ru: 'Файл — не корректный JSON: {detail}.', en: 'The file is not valid JSON: {detail}.' },
  'MALFORMED_FILE.json_cut': {
    ru: 'Файл — не корректный JSON: он обрывается, не закрыв список или объект (возможно, выгрузка сохранилась не полностью).',
    en: 'The file is not valid JSON: it ends before its list or object is closed (was it saved only in part?).',
  },
  'MALFORMED_FILE.json_at': {
    ru: 'Файл — не корректный JSON: ошибка в строке {line}, символ {column}.',
    en: 'The file is not valid JSON at line {line}, column {column}: {detail}.',
  },
  'MALFORMED_FILE.json_list': {
    ru: 'JSON-файл должен содержать список людей (массив или объект с массивом «items»).',
    en: 'The JSON file must hold a list of people (an array, or an object with an "items" array).',
  },
  'MALFORMED_FILE.utf8': {
    ru: 'Файл — не корректный UTF-8 (неверный байт около позиции {offset}): сохраните его в UTF-8 или целиком в Windows-1251.',
    en: 'The file is not valid UTF-8 (an invalid byte near byte {offset}): save it as UTF-8, or as Windows-1251 throughout.',
  },
  'MALFORMED_FILE.xlsx_rows': {
    ru: 'В книге больше {max} строк — это максимум для одного импорта .xlsx; разделите её или сохраните как CSV.',
    en: 'The workbook has more than {max} rows, the most one .xlsx import takes; split it, or save it as CSV.',
  },
  'MALFORMED_FILE.xlsx_broken': {
    ru: 'Файл — не читаемая книга .xlsx: откройте его в Excel и сохраните заново как .xlsx или .csv.',
    en: 'The file is not a readable .xlsx workbook ({detail}).',
  },
  'MALFORMED_FILE.xlsx_too_big': {
    ru: 'Книга слишком большая для импорта; сохраните лист как CSV или разделите файл.',
    en: 'The workbook is too large to import ({detail}); save the sheet as CSV or split it into smaller files.',
  },
  'MALFORMED_FILE.csv_quote_not_closed': {
    ru: 'Не удалось прочитать CSV-файл: значение в кавычках не закрыто (файл заканчивается внутри него, на строке {line}).',
    en: 'The CSV file could not be read: a quoted value is never closed (the file ends inside it, at line {line}).',
  },
  'MALFORMED_FILE.csv_text_after_quote': {
    ru: 'Не удалось прочитать CSV-файл: в строке {line} после закрывающей кавычки идёт текст (кавычку внутри значения в кавычках пишут дважды: "").',
    en: 'The CSV file could not be read: line {line} has text right after a closing quote (a quote inside a quoted value is written twice: "").',
  },
  'MALFORMED_FILE.csv': { ru: 'Не удалось прочитать CSV-файл: {detail}', en: 'The CSV file could not be read: {detail}' },
  'MALFORMED_FILE.detail': { ru: 'Не удалось прочитать файл: {detail}', en: 'The file could not be read: {detail}' },
  // Import rows: why one row of a file or base was not taken.
  'ROW.empty': { ru: 'пустая строка', en: 'empty line' },
  'ROW.bad_username': {
    ru: '«{value}» — некорректный юзернейм (5–32 латинских букв, цифр, подчёркиваний)',
    en: '"{value}" is not a valid username (5–32 letters, digits, underscores)',
  },
  'ROW.bad_user_id': {
    ru: '«{value}» — не id пользователя Telegram (целое число больше нуля, до 20 цифр)',
    en: '"{value}" is not a Telegram user id (a whole number above zero, up to 20 digits)',
  },
  'ROW.bad_phone': { ru: '«{value}…» — не номер телефона в международном формате', en: '"{value}…" is not a phone number in international format' },
  'ROW.no_identifier': { ru: 'не найден ни юзернейм, ни id, ни телефон', en: 'no username, user id or phone found' },
  'ROW.no_identifier_in': { ru: 'в «{value}» не найден ни юзернейм, ни id, ни телефон', en: 'no username, user id or phone found in "{value}"' },
  'ROW.nul_value': {
    ru: 'значение содержит байт NUL (\\u0000); сохраните файл как текст UTF-8',
    en: 'the value holds a NUL byte (\\u0000); save the file as UTF-8 text',
  },
  'ROW.nul_column': {
    ru: 'столбец «{column}» содержит байт NUL (\\u0000); сохраните файл как текст UTF-8',
    en: 'the "{column}" column holds a NUL byte (\\u0000); save the file as UTF-8 text',
  },
  'ROW.not_record': { ru: 'строка — не объект и не текстовое значение', en: 'row is neither an object nor a text value' },
  'ROW.not_object': { ru: 'элемент результата — не объект', en: 'result item is not an object' },
  // Stored task status reasons (tasks.status_reason holds the code, tasks.status_reason_params its params).
  'TASK_REASON.no_sender': {
    ru: 'Ни один аккаунт-отправитель не может продолжить: все подходящие аккаунты заблокированы, вышли из сессии или потеряли права админа.',
    en: 'No sender account can continue: every eligible account is banned, logged out or lost its admin rights.',
  },
  // Target reasons by code (targets.error_code), so a Russian and an English reader each read their own.
  'REASON.USER_PRIVACY_RESTRICTED': { ru: 'настройки приватности запрещают приглашения', en: "the user's privacy settings forbid invites" },
  'REASON.USER_NOT_MUTUAL_CONTACT': {
    ru: 'пользователь принимает приглашения только от взаимных контактов',
    en: 'the user accepts invites only from mutual contacts',
  },
  'REASON.USER_CHANNELS_TOO_MUCH': { ru: 'пользователь уже состоит в слишком многих группах', en: 'the user is already in too many groups and channels' },
  'REASON.USER_ALREADY_PARTICIPANT': { ru: 'пользователь уже участник', en: 'the user is already a member' },
  'REASON.USER_KICKED': { ru: 'пользователь был удалён из группы администратором', en: 'the user was removed from this group by an admin' },
  'REASON.USER_BANNED_IN_CHANNEL': {
    ru: 'Telegram не пускает этого пользователя в эту группу (бан в канале)',
    en: 'Telegram refuses this user in this group (banned in channel)',
  },
  'REASON.USERNAME_NOT_OCCUPIED': { ru: 'пользователя с таким юзернеймом нет', en: 'no Telegram user has this username' },
  'REASON.USERNAME_INVALID': { ru: 'некорректный юзернейм Telegram', en: 'the username is not a valid Telegram username' },
  'REASON.PEER_ID_INVALID': { ru: 'аккаунт не знает этот id (используйте юзернейм)', en: 'this user id is unknown to the account (use a username instead)' },
  'REASON.USER_ID_INVALID': { ru: 'некорректный id пользователя', en: 'this user id is not valid' },
  'REASON.INPUT_USER_DEACTIVATED': { ru: 'аккаунт Telegram пользователя удалён', en: "the user's Telegram account was deleted" },
  'REASON.USER_IS_BOT': IS_A_BOT,
  'REASON.USER_BOT': IS_A_BOT,
  'REASON.USER_IS_BLOCKED': BLOCKED_THIS_ACCOUNT,
  'REASON.PHONE_NOT_FOUND': { ru: 'по этому номеру не найден аккаунт Telegram', en: 'no Telegram account was found for this phone number' },
  'REASON.PRIVACY_PREMIUM_REQUIRED': {
    ru: 'пользователь принимает сообщения только от контактов и пользователей Telegram Premium',
    en: 'the user accepts messages only from contacts and Telegram Premium users',
  },
  'REASON.YOU_BLOCKED_USER': { ru: 'этот аккаунт заблокировал пользователя', en: 'this account has blocked the user' },
  'REASON.USER_BLOCKED': BLOCKED_THIS_ACCOUNT,
  'REASON.MESSAGE_TOO_LONG': {
    ru: 'сообщение с подставленными данными этого человека длиннее, чем позволяет Telegram (4096 символов)',
    en: 'the message filled in for this person is longer than Telegram allows (4,096 characters)',
  },
  'REASON.CHAT_MEMBER_ADD_FAILED': { ru: 'Telegram не смог добавить пользователя в группу', en: 'Telegram could not add the user to the group' },
  'REASON.CONTACTS_IMPORT_LIMIT': {
    ru: 'Telegram временно ограничил аккаунту поиск людей по номеру телефона',
    en: 'Telegram limits how many phone numbers the account may look up for now',
  },
  'REASON.PEER_FLOOD': { ru: 'Telegram ограничил аккаунт за частые запросы (PeerFlood)', en: 'Telegram flagged the account for too many requests (PeerFlood)' },
  'REASON.FLOOD_WAIT': { ru: 'Telegram попросил аккаунт подождать (FloodWait)', en: 'Telegram asked the account to wait (FloodWait)' },
  'REASON.CHAT_ADMIN_REQUIRED': { ru: 'аккаунт не админ этой группы', en: 'the account is not an admin of this group' },
  'REASON.CHAT_WRITE_FORBIDDEN': { ru: 'аккаунту запрещено писать в этой группе', en: 'the account may not write in this group' },
  'REASON.CHANNEL_PRIVATE': { ru: 'группа закрыта, или аккаунт из неё удалён', en: 'the group is private or the account was removed from it' },
  'REASON.CHANNEL_INVALID': { ru: 'группа не существует', en: 'the group does not exist' },
  'REASON.CHAT_ID_INVALID': { ru: 'некорректный id группы', en: 'the group id is not valid' },
  'REASON.INVITE_HASH_EXPIRED': { ru: 'срок действия ссылки-приглашения истёк', en: 'the invite link has expired' },
  'REASON.USERS_TOO_MUCH': { ru: 'в группе достигнут предел участников', en: 'the group has reached its member limit' },
  'REASON.ALREADY_INVITED': {
    ru: 'уже приглашён в эту группу или уже в ней (по данным ваших задач)',
    en: 'already invited into this group or already in it (by your tasks)',
  },
  'REASON.DO_NOT_CONTACT': { ru: 'в вашем списке «Не писать»', en: 'on your do-not-contact list' },
  'REASON.SKIPPED_BY_USER': { ru: 'пропущен владельцем задачи', en: 'skipped by the task owner' },
  'REASON.OUTCOME_UNKNOWN': {
    ru: 'воркер остановился во время отправки; не повторяем, чтобы не задвоить сообщение',
    en: 'the worker stopped mid-send; not resent to avoid a duplicate message',
  },
  'REASON.TIMEOUT': { ru: 'Telegram не ответил вовремя', en: 'Telegram did not answer in time' },
  'REASON.CONNECT_FAILED': { ru: 'не удалось подключиться к Telegram', en: 'could not connect to Telegram' },
  'REASON.NETWORK_TIMEOUT': { ru: 'истекло время соединения с Telegram', en: 'the connection to Telegram timed out' },
  'REASON.PROXY_UNREACHABLE': {
    ru: 'не удалось связаться с Telegram через прокси аккаунта; ничего не отправлено, человек ждёт своей очереди',
    en: "Telegram could not be reached through the account's proxy; nothing was sent, the person waits their turn",
  },
  'REASON.TELEGRAM_UNREACHABLE': {
    ru: 'не удалось связаться с Telegram; ничего не отправлено, человек ждёт своей очереди',
    en: 'Telegram could not be reached; nothing was sent, the person waits their turn',
  },
  // Account limits and statuses (why an account may not act now).
  'LIMIT.not_found': { ru: 'аккаунт не найден', en: 'account not found' },
  'LIMIT.pacing': { ru: 'пауза между действиями', en: 'pausing between actions' },
  'LIMIT.in_use': { ru: 'занят другим воркером', en: 'in use by another worker' },
  'LIMIT.retired': { ru: 'аккаунт заблокирован или вышел из сессии', en: 'account retired (banned or logged out)' },
  'LIMIT.disabled': { ru: 'аккаунт отключён владельцем', en: 'account disabled by its owner' },
  'LIMIT.peer_flood': { ru: 'отдыхает после PeerFlood', en: 'resting after PeerFlood' },
  'LIMIT.flood_wait': { ru: 'пережидает FloodWait', en: 'waiting out a FloodWait' },
  'LIMIT.resting': { ru: 'отдыхает', en: 'resting' },
  'LIMIT.unreachable': { ru: 'не удаётся связаться с Telegram (прокси или сеть)', en: 'cannot reach Telegram (its proxy or the network)' },
  'LIMIT.daily_messages': { ru: 'достигнут дневной лимит: {max} сообщений', en: 'daily limit of {max} messages reached' },
  'LIMIT.daily_invites': { ru: 'достигнут дневной лимит: {max} приглашений', en: 'daily limit of {max} invites reached' },
  'LIMIT.group_lifetime': {
    ru: 'достигнут общий лимит: {max} приглашений в эту группу',
    en: 'lifetime limit of {max} invites into this group reached',
  },
  'LIMIT.group_daily': { ru: 'достигнут дневной лимит: {max} приглашений в эту группу', en: 'daily limit of {max} invites into this group reached' },
  // An execution log entry (src/stats/log-sentences.ts); English is the sentence the worker stored.
  'LOG.invited': { ru: 'Пользователь {who} добавлен в {group}', en: 'User {who} added to {group}' },
  'LOG.sent': { ru: 'Сообщение отправлено {who}', en: 'Message sent to {who}' },
  'LOG.could_not_invite': { ru: 'Не удалось пригласить {who}: {reason}', en: 'Could not invite {who}: {reason}' },
  'LOG.could_not_message': { ru: 'Не удалось написать {who}: {reason}', en: 'Could not message {who}: {reason}' },
  'LOG.retry': { ru: 'Повторим для {who}: {reason}', en: 'Will retry {who}: {reason}' },
  'LOG.retry_in': { ru: 'Повторим для {who} через {minutes} мин: {reason}', en: 'Will retry {who} in {minutes} min: {reason}' },
  'LOG.account': { ru: 'Аккаунт {account}: {reason}', en: 'Account {account}: {reason}' },
  'LOG.unknown': {
    ru: 'Результат для {who} неизвестен после остановки воркера; не повторяем',
    en: 'Outcome for {who} unknown after a worker stopped; not repeated',
  },
  // The audit journal (src/observability/audit-text.ts): what the user did, one sentence per entry.
  'AUDIT.no': { ru: '№{id}', en: '#{id}' },
  'AUDIT.task.create': { ru: 'Создана задача {task}', en: 'Created task {task}' },
  'AUDIT.task.update': { ru: 'Изменена задача {task}', en: 'Edited task {task}' },
  'AUDIT.task.update.fields': { ru: 'Изменена задача {task}: {fields}', en: 'Edited task {task}: {fields}' },
  'AUDIT.task.delete': { ru: 'Удалена задача {task}', en: 'Deleted task {task}' },
  'AUDIT.task.duplicate': { ru: 'Создана копия задачи: {task}', en: 'Duplicated a task as {task}' },
  'AUDIT.task.retry_failed': { ru: 'Создана задача {task} — повтор неудачных', en: 'Created task {task} to retry the failed' },
  'AUDIT.task.start': { ru: 'Запущена задача {task}', en: 'Started task {task}' },
  'AUDIT.task.pause': { ru: 'Приостановлена задача {task}', en: 'Paused task {task}' },
  'AUDIT.task.resume': { ru: 'Возобновлена задача {task}', en: 'Resumed task {task}' },
  'AUDIT.task.cancel': { ru: 'Отменена задача {task}', en: 'Cancelled task {task}' },
  'AUDIT.task.test_invite': { ru: 'Тестовое приглашение в задаче {task}', en: 'Test invite in task {task}' },
  'AUDIT.task.bulk.start': { ru: 'Запуск нескольких задач: {n}', en: 'Started several tasks: {n}' },
  'AUDIT.task.bulk.pause': { ru: 'Приостановка нескольких задач: {n}', en: 'Paused several tasks: {n}' },
  'AUDIT.task.bulk.resume': { ru: 'Возобновление нескольких задач: {n}', en: 'Resumed several tasks: {n}' },
  'AUDIT.task.bulk.cancel': { ru: 'Отмена нескольких задач: {n}', en: 'Cancelled several tasks: {n}' },
  'AUDIT.task.bulk.delete': { ru: 'Удаление нескольких задач: {n}', en: 'Deleted several tasks: {n}' },
  'AUDIT.task.bulk.set_priority': { ru: 'Смена приоритета нескольких задач: {n}', en: 'Changed the priority of several tasks: {n}' },
  'AUDIT.targets.add': { ru: 'В задачу {task} добавлены люди: {n}', en: 'Added people to task {task}: {n}' },
  'AUDIT.targets.add.none': { ru: 'В задачу {task} никто не добавлен: {why}', en: 'Nobody added to task {task}: {why}' },
  'AUDIT.why.duplicates': { ru: 'уже были в ней — {n}', en: 'already in it — {n}' },
  'AUDIT.why.invalid': { ru: 'с ошибкой — {n}', en: 'invalid — {n}' },
  'AUDIT.why.over_limit': { ru: 'сверх лимита задачи — {n}', en: 'over the task’s limit — {n}' },
  'AUDIT.targets.delete': { ru: 'Из задачи {task} удалены получатели: {n}', en: 'Removed recipients from task {task}: {n}' },
  'AUDIT.targets.reset': { ru: 'В задаче {task} получатели снова ждут: {n}', en: 'Recipients set to wait again in task {task}: {n}' },
  'AUDIT.targets.skip': { ru: 'В задаче {task} пропущены получатели: {n}', en: 'Recipients skipped in task {task}: {n}' },
  'AUDIT.target.update': { ru: 'Изменён получатель в задаче', en: 'Edited a recipient of a task' },
  'AUDIT.target.delete': { ru: 'Удалён получатель из задачи', en: 'Removed a recipient from a task' },
  'AUDIT.import.file': { ru: 'Файл импортирован в задачу {task}: добавлено {n}', en: 'Imported a file into task {task}: {n} added' },
  'AUDIT.import.parsing': {
    ru: 'База сервиса парсинга импортирована в задачу {task}: добавлено {n}',
    en: 'Imported a Parsing Service base into task {task}: {n} added',
  },
  'AUDIT.import.file.queued': { ru: 'Импорт файла в задачу {task} поставлен в очередь', en: 'Queued a file import into task {task}' },
  'AUDIT.import.parsing.queued': {
    ru: 'Импорт базы сервиса парсинга в задачу {task} поставлен в очередь',
    en: 'Queued a Parsing Service base import into task {task}',
  },
  'AUDIT.dnc.add': { ru: 'В список «Не писать» добавлено: {n}', en: 'Added to the do-not-contact list: {n}' },
  'AUDIT.dnc.remove': { ru: 'Из списка «Не писать» удалена запись', en: 'Removed an entry from the do-not-contact list' },
  'AUDIT.job.cancel': { ru: 'Отменена фоновая операция', en: 'Cancelled a background job' },
  'AUDIT.webhook.create': { ru: 'Настроен вебхук ({host})', en: 'Set up the webhook ({host})' },
  'AUDIT.webhook.update': { ru: 'Изменён вебхук ({host})', en: 'Changed the webhook ({host})' },
  'AUDIT.webhook.delete': { ru: 'Удалён вебхук', en: 'Deleted the webhook' },
  'AUDIT.webhook.rotate_secret': { ru: 'Заменён секрет вебхука', en: 'Replaced the webhook secret' },
  'AUDIT.account.create': { ru: 'Добавлен аккаунт {account}', en: 'Added account {account}' },
  'AUDIT.account.connect': { ru: 'Подключён аккаунт Telegram {account}', en: 'Connected Telegram account {account}' },
  'AUDIT.account.update': { ru: 'Изменён аккаунт {account}', en: 'Changed account {account}' },
  'AUDIT.account.enable': { ru: 'Включён аккаунт {account}', en: 'Switched account {account} on' },
  'AUDIT.account.disable': { ru: 'Отключён аккаунт {account}', en: 'Switched account {account} off' },
  'AUDIT.account.delete': { ru: 'Удалён аккаунт {account}', en: 'Removed account {account}' },
  // Account status reasons (accounts.status_reason).
  'ACCOUNT_REASON.disabled': { ru: 'отключён владельцем', en: 'disabled by its owner' },
  'ACCOUNT_REASON.owned_elsewhere': {
    ru: 'этот аккаунт Telegram подключён у другого пользователя сервиса',
    en: 'this Telegram account is connected by another user of this service',
  },
  'ACCOUNT_REASON.proxy_unreachable': {
    ru: 'не удаётся связаться с Telegram через прокси аккаунта; попробуем снова после паузы — проверьте прокси',
    en: "Telegram could not be reached through the account's proxy; it tries again after a pause",
  },
  'ACCOUNT_REASON.telegram_unreachable': {
    ru: 'не удаётся связаться с Telegram с сервера; попробуем снова после паузы',
    en: 'Telegram could not be reached from the server; it tries again after a pause',
  },
  'ACCOUNT_REASON.connected_twice': {
    ru: 'этот аккаунт Telegram уже подключён у вас под другим именем; работает та строка, эту можно удалить',
    en: 'this Telegram account is already connected as another of your accounts; that one works, this one can be removed',
  },
  'ACCOUNT_REASON.AUTH_KEY_UNREGISTERED': {
    ru: 'сессия завершена (выход из аккаунта); подключите аккаунт заново',
    en: 'the session was logged out; add the account again',
  },
  'ACCOUNT_REASON.AUTH_KEY_INVALID': { ru: 'ключ сессии недействителен; подключите аккаунт заново', en: 'the session key is invalid; add the account again' },
  'ACCOUNT_REASON.SESSION_REVOKED': { ru: 'сессия отозвана; подключите аккаунт заново', en: 'the session was revoked; add the account again' },
  'ACCOUNT_REASON.AUTH_KEY_DUPLICATED': {
    ru: 'сессию использовали из двух мест одновременно, и Telegram её завершил; подключите аккаунт заново',
    en: 'the session was used from two places at once and Telegram ended it; connect the account again',
  },
  'ACCOUNT_REASON.SESSION_EXPIRED': { ru: 'срок сессии истёк; подключите аккаунт заново', en: 'the session expired; add the account again' },
  'ACCOUNT_REASON.USER_DEACTIVATED': { ru: 'аккаунт удалён или деактивирован', en: 'the account was deleted or deactivated' },
  'ACCOUNT_REASON.USER_DEACTIVATED_BAN': { ru: 'аккаунт заблокирован Telegram', en: 'the account was banned by Telegram' },
  'ACCOUNT_REASON.PHONE_NUMBER_BANNED': { ru: 'номер аккаунта заблокирован Telegram', en: "the account's phone number is banned by Telegram" },
  'ACCOUNT_REASON.PEER_FLOOD': {
    ru: 'Telegram ограничил аккаунт за частые запросы (PeerFlood)',
    en: 'Telegram flagged the account for too many requests (PeerFlood)',
  },
  'ACCOUNT_REASON.USER_RESTRICTED': { ru: 'Telegram ограничил аккаунт из-за жалоб на спам', en: 'Telegram restricted the account after spam reports' },
  'ACCOUNT_REASON.FROZEN_METHOD_INVALID': {
    ru: 'Telegram заморозил аккаунт; доступна только апелляция',
    en: 'Telegram froze the account; it can only appeal',
  },
  'ACCOUNT_REASON.CONTACTS_IMPORT_LIMIT': {
    ru: 'Telegram временно ограничил аккаунту поиск людей по номеру телефона',
    en: 'Telegram limits how many phone numbers the account may look up for now',
  },
  'ACCOUNT_REASON.FLOOD_WAIT': {
    ru: 'Telegram попросил аккаунт подождать {seconds} с (FloodWait)',
    en: 'Telegram asked the account to wait {seconds} s (FloodWait)',
  },
  // Group check (the create form's admin check and the start's account assignment).
  'GROUP_CHECK.not_admin': { ru: 'не админ этой группы', en: 'not an admin of this group' },
  'GROUP_CHECK.admin_no_invite': { ru: 'админ без права добавлять участников', en: 'admin without the right to add members' },
  'GROUP_CHECK.probe_failed': { ru: 'не удалось проверить группу: {why}', en: 'could not check the group: {why}' },
  'GROUP_CHECK.not_checked': { ru: 'не проверен', en: 'not checked' },
  'GROUP_CHECK.no_accounts': {
    ru: 'У вас ещё нет аккаунтов ({mode}): сначала добавьте аккаунт-отправитель.',
    en: 'You have no {mode} accounts yet: add a sender account first.',
  },
  'GROUP_CHECK.not_found': { ru: 'Группа не найдена: {why}', en: 'The group could not be found: {why}' },
  'GROUP_CHECK.unknown': { ru: 'причина неизвестна', en: 'unknown reason' },
  'GROUP_CHECK.unreachable': {
    ru: 'Не удалось проверить группу: ни один аккаунт не связался с Telegram ({why}). Проверьте прокси аккаунтов на странице «Аккаунты» и попробуйте снова.',
    en: 'The group could not be checked: no account reached Telegram ({why}). Check the accounts’ proxies on the Accounts page and try again.',
  },
  'GROUP_NOT_RESOLVED.why': { ru: 'Группа не найдена: {why}', en: 'The group could not be found: {why}' },
  'NO_READY_ADMIN.why': {
    ru: 'Сейчас ни один аккаунт не может приглашать в «{group}» ({why}). Сделайте один из ваших аккаунтов админом с правом добавлять участников или дождитесь, пока аккаунты отдохнут.',
    en: 'No account can invite into "{group}" right now ({why}). Make one of your accounts an admin with the right to add members.',
  },
  // Background jobs.
  TOO_MANY_JOBS: {
    ru: 'У вас уже {max} фоновых заданий в очереди или в работе; дождитесь их окончания или отмените часть.',
    en: 'You already have {max} background jobs waiting or running; wait for them to finish or cancel some.',
  },
  JOB_FINISHED: {
    ru: 'Задание уже закончено (статус {job_status}): отменять нечего.',
    en: 'The job has already finished ({job_status}); there is nothing to cancel.',
  },
  NOTHING_TO_DOWNLOAD: { ru: 'Файл для скачивания есть только у заданий-отчётов.', en: 'Only report jobs produce a file to download.' },
  'NOT_READY.failed': { ru: 'Отчёт не получился: {why}', en: 'The report failed: {why}' },
  'NOT_READY.pending': { ru: 'Отчёт ещё не готов (статус {job_status}).', en: 'The report is not ready yet ({job_status}).' },
  'JOB_REASON.ABANDONED': {
    ru: 'Задание прекращено: оно не закончилось, потому что его воркер останавливался (попыток: {n}).',
    en: 'The job stopped {n} times without finishing (its worker died); it was given up.',
  },
  'JOB_REASON.ABANDONED.short': {
    ru: 'задание несколько раз останавливалось вместе с воркером и было прекращено',
    en: 'the job stopped several times without finishing (its worker died); it was given up',
  },
  'JOB_REASON.RESCHEDULED': { ru: 'Заменено: время запуска задачи изменили.', en: 'Replaced: the task was scheduled again.' },
  'JOB_REASON.PAUSED_BEFORE_START': { ru: 'Задачу поставили на паузу до времени запуска.', en: 'The task was paused before its start time.' },
  'JOB_REASON.TASK_CANCELLED': { ru: 'Задачу отменили.', en: 'The task was cancelled.' },
  'JOB_REASON.cancelled_by_user': { ru: 'отменено пользователем', en: 'cancelled by the user' },
  'JOB_REASON.SIGN_IN_EXPIRED': {
    ru: 'срок входа истёк до конца импорта, поэтому сервис парсинга нельзя спросить от вашего имени; запустите импорт ещё раз',
    en: 'the sign-in expired before the import ran, so the Parsing Service cannot be asked on your behalf; start the import again',
  },
  // Sign-in through the platform.
  PLATFORM_GATEWAY_UNAVAILABLE: {
    ru: 'Сейчас не удалось найти ваш аккаунт платформы (шлюз API: {detail}); попробуйте через минуту.',
    en: 'Your platform account could not be looked up right now (the API gateway {detail}); try again in a minute.',
  },
  PLATFORM_USER_UNKNOWN: {
    ru: 'Платформа не знает аккаунт, для которого выдан этот токен; войдите в платформу заново.',
    en: 'The platform does not know the account this token was issued for; sign in to the platform again.',
  },
  PLATFORM_ACCOUNT_NOT_LINKED: {
    ru: 'Этот аккаунт не связан с платформой контент-завода, поэтому у него нет баз сервиса парсинга: войдите через платформу или загрузите файл.',
    en: 'This account is not linked to the content-factory platform, so it has no Parsing Service bases: sign in through the platform, or import a file instead.',
  },
  // Parsing Service.
  PARSING_SERVICE_NOT_CONFIGURED: {
    ru: 'Сервис парсинга не настроен на этом сервере (нужен PARSING_SERVICE_URL).',
    en: 'The Parsing Service is not configured on this server (set PARSING_SERVICE_URL).',
  },
  PARSING_SERVICE_UNREACHABLE: {
    ru: 'Сервис парсинга недоступен ({detail}); попробуйте через минуту.',
    en: 'The Parsing Service could not be reached ({detail}); try again in a minute.',
  },
  PARSING_SERVICE_ERROR: { ru: 'Сервис парсинга ответил ошибкой HTTP {status}{detail}.', en: 'The Parsing Service answered HTTP {status}{detail}.' },
  PARSING_SERVICE_BAD_RESPONSE: {
    ru: 'Сервис парсинга ответил некорректно ({detail}); импорт не изменён. Попробуйте позже или напишите в поддержку платформы.',
    en: "The Parsing Service answered with {detail}; the import was not changed. Try again later or tell the platform's support.",
  },
  'PARSING_BASE.empty': { ru: 'В этой базе ещё нет результатов: импортировать нечего.', en: 'This base has no results yet: nothing to import.' },
  // Targets and the test invite.
  'FIELD.not_username': { ru: 'это не юзернейм Telegram', en: 'not a Telegram username' },
  TARGET_IN_FLIGHT: {
    ru: 'Этого человека обрабатывают прямо сейчас; попробуйте через минуту.',
    en: 'This person is being processed right now; try again in a minute.',
  },
  INVALID_TARGET: { ru: 'У получателя не останется пригодного идентификатора: {why}.', en: 'The target would have no usable identifier: {why}.' },
  DUPLICATE_TARGET: {
    ru: 'Другой получатель этой задачи (№{id}) уже имеет этот идентификатор.',
    en: 'Another target in this task (#{id}) already has this identifier.',
  },
  NOT_CONTACTED: { ru: '@{username} не приглашён: {why}.', en: '@{username} was not contacted: {why}.' },
  'ALREADY_PROCESSED.done': {
    ru: '@{username} уже есть в аудитории этой задачи и обработан: {why}.',
    en: "@{username} is already in this task's audience and was processed: {why}.",
  },
  'ALREADY_PROCESSED.taken': {
    ru: '@{username} только что взят выполняющейся рассылкой; смотрите журнал задачи.',
    en: "@{username} was just taken by a running campaign; see the task's log.",
  },
  'NO_ACCOUNT_AVAILABLE_NOW.why': {
    ru: 'Сейчас ни один аккаунт не может действовать, поэтому ничего не отправлено ({why}).{retry}',
    en: 'No account may act right now, so nothing was sent ({why}).{retry}',
  },
  'NO_ACCOUNT_AVAILABLE_NOW.retry': { ru: ' Попробуйте через {min} мин.', en: ' Try again in {min} min.' },
  NOTHING_TO_RETRY: {
    ru: 'В задаче «{name}» нечего повторять: {n} человек не приглашены по причинам, которые не изменятся (приватность, блокировка, не найден, уже приглашён, «Не писать»).',
    en: 'Task "{name}" has no failures worth retrying: {n} people failed or were skipped for reasons that would not change (privacy, blocked, not found, already invited, do not contact).',
  },
  // Accounts.
  SANDBOX_MODE: {
    ru: 'Этот сервер работает на песочнице: добавьте аккаунт песочницы (без строки сессии) или запустите сервер с PLATFORM_MODE=telegram.',
    en: 'This server runs the sandbox platform: add a sandbox account (no session string), or run it with PLATFORM_MODE=telegram.',
  },
  ACCOUNT_RETIRED: {
    ru: 'Этот аккаунт заблокирован или вышел из сессии; добавьте его заново со свежей сессией.',
    en: 'This account is {account_status} ({why}); add it again with a fresh session.',
  },
  // Connecting a Telegram account (login refusals by Telegram's error type).
  PHONE_NUMBER_INVALID: {
    ru: 'Telegram не принимает этот номер; введите его в международном формате, например +79161234567.',
    en: 'Telegram does not accept this phone number; type it in international format, like +14155550123.',
  },
  PHONE_NUMBER_BANNED: { ru: 'Этот номер заблокирован в Telegram.', en: 'Telegram has banned this phone number.' },
  PHONE_NUMBER_FLOOD: {
    ru: 'Telegram пока не будет отправлять коды на этот номер; попробуйте позже или подключите по QR-коду.',
    en: 'Telegram will not send more codes to this number for now; try again later or connect by QR code.',
  },
  PHONE_NUMBER_UNOCCUPIED: {
    ru: 'На этот номер нет аккаунта Telegram; сначала создайте аккаунт в приложении Telegram.',
    en: 'No Telegram account uses this phone number; create the account in the Telegram app first.',
  },
  PHONE_CODE_INVALID: {
    ru: 'Неверный код; проверьте код от Telegram и введите его снова.',
    en: 'The code is wrong; check the code Telegram sent and type it again.',
  },
  PHONE_CODE_EMPTY: { ru: 'Введите код, который прислал Telegram.', en: 'Type the code Telegram sent.' },
  PHONE_CODE_EXPIRED: { ru: 'Срок действия кода истёк; запросите новый.', en: 'The code has expired; request a new one.' },
  PASSWORD_HASH_INVALID: { ru: 'Неверный пароль двухэтапной проверки.', en: 'The two-step verification password is wrong.' },
  PASSWORD_EMPTY: { ru: 'Введите пароль двухэтапной проверки.', en: 'Type the two-step verification password.' },
  SRP_ID_INVALID: { ru: 'Telegram снова запросил пароль; введите его ещё раз.', en: 'Telegram asked for the password again; type it once more.' },
  API_ID_INVALID: {
    ru: 'Telegram отклонил TELEGRAM_API_ID / TELEGRAM_API_HASH этого сервера; их должен исправить администратор.',
    en: "Telegram rejected this server's TELEGRAM_API_ID / TELEGRAM_API_HASH; the administrator must fix them.",
  },
  API_ID_PUBLISHED_FLOOD: {
    ru: 'Telegram не принимает входы с TELEGRAM_API_ID этого сервера; администратор должен взять свой на my.telegram.org.',
    en: "Telegram refuses logins with this server's TELEGRAM_API_ID; the administrator must use their own from my.telegram.org.",
  },
  'FLOOD_WAIT.login': { ru: 'Telegram просит подождать {wait}, прежде чем пробовать снова.', en: 'Telegram asks to wait {wait} before trying again.' },
  'FLOOD_WAIT.check': { ru: 'Telegram просит подождать {seconds} с перед новой проверкой.', en: 'Telegram asks to wait {seconds} s before checking again.' },
  NOT_CONFIGURED: {
    ru: 'На этом сервере не заданы TELEGRAM_API_ID / TELEGRAM_API_HASH; их должен указать администратор.',
    en: 'This server has no TELEGRAM_API_ID / TELEGRAM_API_HASH; the administrator must set them.',
  },
  PROXY_UNREACHABLE: {
    ru: 'Через этот прокси не удалось связаться с Telegram: проверьте тип (socks5:// или http://), адрес, порт, логин и пароль.',
    en: 'Telegram could not be reached through this proxy: check its kind (socks5:// or http://), address, port, user and password.',
  },
  PROXY_SANDBOX: {
    ru: 'Сервер работает в песочнице: имитируемые аккаунты не подключаются к Telegram, прокси им не нужен.',
    en: 'This server runs the sandbox: simulated accounts never connect to Telegram and need no proxy.',
  },
  TELEGRAM_UNREACHABLE: {
    ru: 'Сервер не смог связаться с Telegram; попробуйте через минуту.',
    en: 'Telegram could not be reached from the server; try again in a minute.',
  },
  'TELEGRAM_ERROR.refused': { ru: 'Telegram отказал во входе ({code}).', en: 'Telegram refused the login ({code}).' },
  'TELEGRAM_ERROR.check': { ru: 'Telegram ответил на проверку ошибкой {code}.', en: 'Telegram answered the check with {code}.' },
  TELEGRAM_ERROR: { ru: 'Telegram ответил неожиданно; попробуйте ещё раз.', en: 'Telegram answered in an unexpected way; try again.' },
  // The report file's header row (its columns, in the requester's language).
  'REPORT.header': {
    ru: 'id получателя,юзернейм,id пользователя,телефон,имя,фамилия,статус,код причины,причина,аккаунт,попыток,обработан',
    en: 'target_id,username,user_id,phone,first_name,last_name,status,error_code,reason,account,attempts,processed_at',
  },
  // Report columns and summary lines added after the header above (src/stats/csv-report-text.ts, xlsx-report.ts).
  'REPORT.csv.status_code': { ru: 'код статуса', en: 'status_code' },
  'REPORT.csv.message': { ru: 'текст сообщения', en: 'message' },
  'REPORT.col.message': { ru: 'Текст сообщения', en: 'Message' },
  'REPORT.sum.status_reason': { ru: 'Причина', en: 'Reason' },
};
