/**
 * The longest task name, in UTF-16 units as JavaScript counts a string's length (zod's max, the form's counter): the API
 * refuses more, the UI checks it first, and a copy's name is shortened to it.
 */
export const MAX_TASK_NAME = 200;
/** The most characters an account's name (label) may have: the API refuses more, the forms stop the typing there. */
export const MAX_ACCOUNT_LABEL = 100;
/** A direct message's text: Telegram's own limit for one message. */
export const MAX_MESSAGE_TEMPLATE = 4096;

/**
 * A task name made from another task's ("Повтор: …", "… (копия)"): the source name shortened so the whole fits
 * MAX_TASK_NAME, trimmed at the cut as the API trims every name.
 */
export function derivedTaskName(name: string, around: { prefix?: string; suffix?: string }): string {
  const prefix = around.prefix ?? '';
  const suffix = around.suffix ?? '';
  return `${prefix}${cutToLength(name, MAX_TASK_NAME - prefix.length - suffix.length).trimEnd()}${suffix}`;
}

/** `text` cut to at most `max` UTF-16 units without splitting a character (an emoji is two units). */
function cutToLength(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}
