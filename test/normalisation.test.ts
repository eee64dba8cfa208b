import { describe, expect, it } from 'vitest';
import { normalisePhone, normaliseUserId, normaliseUsername, identityKey } from '../src/targets/identity.js';
import { detectColumns, normaliseRecord } from '../src/import/row-normaliser.js';
import { normaliseParsingItem } from '../src/import/parsing-service-client.js';
import { headerIndex } from '../src/import/parsers/table-rows.js';
import { guessDelimiter } from '../src/import/parsers/csv-rows.js';
import { renderTemplate } from '../src/shared/message-template.js';

describe('identifier normalisation', () => {
  it('normalises usernames from @names and links', () => {
    expect(normaliseUsername('@Alice_Smith')).toBe('Alice_Smith');
    expect(normaliseUsername('https://t.me/alice_smith')).toBe('alice_smith');
    expect(normaliseUsername('t.me/alice_smith?start=1')).toBe('alice_smith');
    expect(normaliseUsername('abc')).toBeNull(); // too short for Telegram
    expect(normaliseUsername('1alice')).toBeNull();
    expect(normaliseUsername('bad name')).toBeNull();
  });

  it('normalises phones to E.164', () => {
    expect(normalisePhone('+1 (415) 555-0123')).toBe('+14155550123');
    expect(normalisePhone('0044 20 7946 0958')).toBe('+442079460958');
    expect(normalisePhone('79161234567')).toBe('+79161234567');
    // The Russian domestic 8 is +7 (it was read as a +8… number); with a '+' the 8 is the caller's own.
    expect(normalisePhone('89161110005')).toBe('+79161110005');
    expect(normalisePhone('8 (916) 111-00-06')).toBe('+79161110006');
    expect(normalisePhone('+86 138 0013 8000')).toBe('+8613800138000');
    expect(normalisePhone('8123456789')).toBe('+8123456789');
    expect(normalisePhone('12345')).toBeNull();
    expect(normalisePhone('call me')).toBeNull();
  });

  it('keeps numeric ids as strings', () => {
    expect(normaliseUserId(123456789)).toBe('123456789');
    expect(normaliseUserId(' 00123 ')).toBe('123');
    expect(normaliseUserId('12a')).toBeNull();
    expect(normaliseUserId(1.5)).toBeNull();
  });

  it('builds one identity key, case-insensitive for usernames', () => {
    expect(identityKey({ username: 'Alice_Smith', user_id_platform: '1', phone: null })).toBe('u:alice_smith');
    expect(identityKey({ username: null, user_id_platform: '1', phone: '+14155550123' })).toBe('id:1');
    expect(identityKey({ username: null, user_id_platform: null, phone: null })).toBeNull();
  });
});

describe('column detection and rows', () => {
  it('recognises common and parsing-service headers', () => {
    const m = detectColumns(['Username', 'platform_id', 'Display Name', 'author_phone', 'platform_specific_data']);
    expect([...m!.values()]).toEqual(['username', 'user_id', 'full_name', 'phone', 'psd']);
    expect(detectColumns(['alice_smith', 'bob_jones'])).toBeNull();
  });

  it('guesses what a lone value is', () => {
    expect(normaliseRecord('+14155550123')).toMatchObject({ ok: true, target: { phone: '+14155550123' } });
    expect(normaliseRecord('987654321')).toMatchObject({ ok: true, target: { user_id_platform: '987654321' } });
    expect(normaliseRecord('7012345678')).toMatchObject({ ok: true, target: { user_id_platform: '7012345678' } });
    // Eleven bare digits 89…/79… are a Russian mobile number (no Telegram id is that large), not an id.
    expect(normaliseRecord('89991234568')).toMatchObject({ ok: true, target: { phone: '+79991234568', user_id_platform: null } });
    expect(normaliseRecord('79991234568')).toMatchObject({ ok: true, target: { phone: '+79991234568', user_id_platform: null } });
    expect(normaliseRecord('@alice_smith')).toMatchObject({ ok: true, target: { username: 'alice_smith' } });
    expect(normaliseRecord('')).toMatchObject({ ok: false });
  });

  it('reads a phone or a numeric id written under a username heading as what it is', () => {
    expect(normaliseRecord({ username: '+7 916 123-45-67', first_name: 'Ира' })).toMatchObject({
      ok: true,
      target: { username: null, phone: '+79161234567', first_name: 'Ира' },
    });
    expect(normaliseRecord({ username: '987654321', phone: '' })).toMatchObject({ ok: true, target: { username: null, user_id_platform: '987654321' } });
    // A row with its own phone keeps the username column's problem (nothing is guessed over a value the row gives).
    const both = normaliseRecord({ username: '+79161234567', phone: '12' });
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.reason).toMatch(/not a valid username.*not a phone number/);
    expect(normaliseRecord({ username: 'no way' })).toMatchObject({ ok: false });
  });

  it('explains rejected rows in words', () => {
    const r = normaliseRecord({ username: 'no way', phone: '12' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/not a valid username.*not a phone number/);
    const empty = normaliseRecord({ first_name: 'Ann' });
    if (!empty.ok) expect(empty.reason).toMatch(/no username, user id or phone/);
  });

  it('maps a Parsing Service item per the contract', () => {
    const r = normaliseParsingItem({
      id: 1,
      platform_id: 555,
      username: null,
      display_name: 'Ann Lee',
      author_phone: '+14155550199',
      platform_specific_data: { username: 'ann_lee', phone: null, user_id: 555 },
    });
    expect(r).toMatchObject({ ok: true, target: { username: 'ann_lee', user_id_platform: '555', phone: '+14155550199', first_name: 'Ann', last_name: 'Lee' } });
    const names = normaliseParsingItem({ platform_id: '9', platform_specific_data: { first_name: ' Bo ', last_name: 'Ng' } });
    expect(names).toMatchObject({ ok: true, target: { user_id_platform: '9', first_name: 'Bo', last_name: 'Ng' } });
  });
});

describe('names under a «ФИО» heading (surname first)', () => {
  it('recognises the headings that put the surname first, and keeps «name» and «имя и фамилия» first-name first', () => {
    const m = detectColumns(['Ник', 'ФИО']);
    expect([...m!.values()]).toEqual(['username', 'full_name_surname_first']);
    for (const h of ['Ф.И.О.', 'Ф. И. О.', 'фамилия имя отчество', 'Фамилия, имя, отчество', 'Фамилия и имя'])
      expect([...detectColumns([h])!.values()], h).toEqual(['full_name_surname_first']);
    for (const h of ['name', 'Full Name', 'Имя и фамилия']) expect([...detectColumns([h])!.values()], h).toEqual(['full_name']);
  });

  it('splits «Иванов Иван Иванович» into first name «Иван» and last name «Иванов», the patronymic left out', () => {
    const ivan = normaliseRecord({ username: 'ivan_ivanov', ФИО: 'Иванов  Иван Иванович' });
    expect(ivan).toMatchObject({ ok: true, target: { first_name: 'Иван', last_name: 'Иванов' } });
    // What the marketer's direct message says to him: not «Здравствуйте, Иванов!».
    if (ivan.ok) expect(renderTemplate('Здравствуйте, {first_name}!', ivan.target)).toBe('Здравствуйте, Иван!');
    expect(normaliseRecord({ username: 'anna_petrova', 'Ф.И.О.': 'Петрова Анна' })).toMatchObject({
      target: { first_name: 'Анна', last_name: 'Петрова' },
    });
    expect(normaliseRecord({ username: 'mamedov_i', 'Фамилия, имя, отчество': 'Мамедов Ильхам Гейдар оглы' })).toMatchObject({
      target: { first_name: 'Ильхам', last_name: 'Мамедов' },
    });
    // Initials are no first name to greet by: the template's fallback is used instead.
    const initials = normaliseRecord({ username: 'ivanov_ii', ФИО: 'Иванов И. И.' });
    expect(initials).toMatchObject({ target: { first_name: null, last_name: 'Иванов' } });
    if (initials.ok) expect(renderTemplate('Здравствуйте, {first_name|коллега}!', initials.target)).toBe('Здравствуйте, коллега!');
    expect(normaliseRecord({ username: 'ivanov_ii', ФИО: 'Иванов И.И.' })).toMatchObject({ target: { first_name: null } });
    // Two-letter names are names.
    expect(normaliseRecord({ username: 'yan_li_1', ФИО: 'Ли Ян' })).toMatchObject({ target: { first_name: 'Ян', last_name: 'Ли' } });
    // A lone word in a «ФИО» field is what people type as their name.
    expect(normaliseRecord({ username: 'anna_only', ФИО: 'Анна' })).toMatchObject({ target: { first_name: 'Анна', last_name: null } });
    // Separate first/last name columns win over a «ФИО» beside them.
    expect(normaliseRecord({ username: 'ivan_ivanov', Имя: 'Ваня', ФИО: 'Иванов Иван' })).toMatchObject({ target: { first_name: 'Ваня', last_name: null } });
  });

  it('keeps the first-name-first split for generic name columns', () => {
    expect(normaliseRecord({ username: 'anna_lee', name: 'Anna Lee' })).toMatchObject({ target: { first_name: 'Anna', last_name: 'Lee' } });
    expect(normaliseRecord({ username: 'ivan_petrov', 'Имя и фамилия': 'Иван Петров' })).toMatchObject({
      target: { first_name: 'Иван', last_name: 'Петров' },
    });
  });
});

describe('finding the header row of a table', () => {
  it('finds it below a title and a blank row', () => {
    const rows = [['Выгрузка от 01.12.2026'], [''], ['ФИО', 'Телефон', 'Ник'], ['Иванов Иван', '+79161234567', 'ivan_ivanov']];
    expect(headerIndex(rows)).toBe(2);
    expect(headerIndex([['username'], ['alice_smith']])).toBe(0);
  });

  it('never drops people above a row that only looks like a header', () => {
    // A headerless list where somebody's username is «telegram»: the people above it are people.
    expect(headerIndex([['alice_smith'], ['bob_jones'], ['telegram'], ['carol_xx']])).toBe(-1);
    // A one-cell title that could be a username, above a header of two known columns, is a title.
    expect(headerIndex([['Contacts'], ['username', 'name'], ['alice_smith', 'Alice']])).toBe(1);
    // …but above a one-column header it may be a person: the file is read as a list, as before.
    expect(headerIndex([['Contacts'], ['username'], ['alice_smith']])).toBe(-1);
    // A header row found below the first must name a column people are found by.
    expect(headerIndex([['Отчёт'], ['Имя', 'Фамилия'], ['Иван', 'Иванов']])).toBe(-1);
    // Only the first rows are looked at.
    expect(headerIndex([...Array.from({ length: 10 }, () => ['текст']), ['username'], ['alice_smith']])).toBe(-1);
  });

  it('guesses the delimiter from the first lines, not only a title line', () => {
    expect(guessDelimiter('Выгрузка от 01.12.2026\n\nusername;phone\nalice_smith;+79161234567\n')).toBe(';');
    expect(guessDelimiter('username,comment\nalice_smith,a;b;c;d\nbob_jones,x\n')).toBe(',');
    expect(guessDelimiter('username\talice\n')).toBe('\t');
    expect(guessDelimiter('alice_smith\n')).toBe(',');
  });
});
