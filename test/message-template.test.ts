import { describe, expect, it } from 'vitest';
import { renderTemplate, unclosedTemplateVariables, unknownTemplateVariables } from '../src/shared/message-template.js';
import { messageTaskName } from '../src/shared/enums.js';

const person = (p: { username?: string; first_name?: string; phone?: string }) => ({
  username: p.username ?? null,
  first_name: p.first_name ?? null,
  last_name: null,
  user_id_platform: null,
  phone: p.phone ?? null,
});

describe('message templates', () => {
  it('fill each variable, its fallback when the person has no such value, and leave other braces alone', () => {
    const tpl = 'Привет, {first_name|друг}! Для @{username|вас}: { скидка 10% }, {first_name}.';
    expect(renderTemplate(tpl, person({ username: 'ivan', first_name: 'Иван' }))).toBe('Привет, Иван! Для @ivan: { скидка 10% }, Иван.');
    // No first name: the fallback where one is written, the username where not.
    expect(renderTemplate(tpl, person({ username: 'ivan' }))).toBe('Привет, друг! Для @ivan: { скидка 10% }, @ivan.');
    // Neither (a phone only): the fallbacks; "@" goes with a missing username; "there" only where nothing was written.
    expect(renderTemplate(tpl, person({ phone: '+79990000000' }))).toBe('Привет, друг! Для вас: { скидка 10% }, there.');
    // An empty fallback is allowed (the variable just disappears).
    expect(renderTemplate('Привет{first_name|}!', person({ username: 'ivan' }))).toBe('Привет!');
  });

  it('name the variables the worker does not know, as written, once each', () => {
    expect(unknownTemplateVariables('Привет, {firstname}! {name|друг} {firstname} {username} {first_name|x} { не переменная }')).toEqual([
      '{firstname}',
      '{name|друг}',
    ]);
    expect(unknownTemplateVariables('Hi @{user}')).toEqual(['{user}']);
    expect(unknownTemplateVariables('Plain text, {}, {1st}, {a b}')).toEqual([]);
  });
});

describe('a variable opened and not closed', () => {
  it('is named as written, once; closed ones, unknown names and the text’s own braces are not', () => {
    expect(unclosedTemplateVariables('Привет, {first_name! как дела, {first_name!')).toEqual(['{first_name']);
    expect(unclosedTemplateVariables('Привет, {first_name|друг')).toEqual(['{first_name']);
    expect(unclosedTemplateVariables('@{username и всё')).toEqual(['{username']);
    expect(unclosedTemplateVariables('Привет, {first_name|друг}! @{username}')).toEqual([]);
    expect(unclosedTemplateVariables('{first_names} { first_name } {скидка')).toEqual([]);
  });
});

describe('a message task’s name', () => {
  it('writes each variable the worker fills as an ellipsis, with its fallback and @, and leaves the message’s own braces', () => {
    expect(messageTaskName('Привет, {first_name|друг}! {first_name}, ждём @{username} на { вебинаре }', 'Сообщения')).toBe(
      'Сообщения: …, ждём … на { вебинаре }',
    );
    expect(messageTaskName('Ждём {first_name} на вебинаре', 'Сообщения')).toBe('Сообщения: Ждём … на вебинаре');
  });

  it('starts after a greeting by name, which opens most messages and tells no two tasks apart', () => {
    expect(messageTaskName('Здравствуйте, {first_name}! Приглашаем вас на бесплатный вебинар в четверг', 'Сообщения')).toBe(
      'Сообщения: Приглашаем вас на бесплатный вебинар в…',
    );
    expect(messageTaskName('Hi {first_name|there}. New articles for you', 'Messages')).toBe('Messages: New articles for you');
    // A greeting alone is the whole text; a sentence that merely names the person is no greeting to drop.
    expect(messageTaskName('Здравствуйте, {first_name}!', 'Сообщения')).toBe('Сообщения: Здравствуйте, …!');
    expect(messageTaskName('Спасибо, что были с нами на прошлой неделе, {first_name}! Ждём снова', 'Сообщения')).toBe(
      'Сообщения: Спасибо, что были с нами на прошлой…',
    );
    expect(messageTaskName(`${'очень длинный текст '.repeat(3)}`, 'Сообщения')).toBe('Сообщения: очень длинный текст очень длинный текст…');
    // The cut falls after a full stop, or a comma, and before a variable: the mark goes, the ellipsis says the rest.
    expect(messageTaskName('Здравствуйте, {first_name}! Приглашаем вас в наш канал о маркетинге. {username}', 'Сообщения')).toBe(
      'Сообщения: Приглашаем вас в наш канал о маркетинге…',
    );
    expect(messageTaskName('Приглашаем вас в наш канал о маркетинге, подписывайтесь', 'Сообщения')).toBe('Сообщения: Приглашаем вас в наш канал о маркетинге…');
  });
});
