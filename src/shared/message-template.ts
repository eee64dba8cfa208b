import type { TargetIdentity } from '../targets/identity.js';

/** The variables a direct message's template may use. */
export const TEMPLATE_VARIABLES = ['username', 'first_name'] as const;

/**
 * `{name}` or `{name|fallback}`: a word in braces, optionally with the text to use when the person has no such value.
 * Text in braces that is not a single word (`{ скидка 10% }`) is the message's own and is sent as written.
 */
const VARIABLE = /(@?)\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}\n]*))?\}/g;

/**
 * Fills {username} and {first_name} in a DM template. A missing value takes the fallback written after a bar
 * (`{first_name|друг}`), else something that still addresses the person: the other identifier, else "there".
 * {username} is written with its @, so an "@" typed before it (people write "@{username}") is not doubled into
 * "@@name"; with no username the "@" goes too. Unknown variables are left as written (the task's schema refuses them).
 */
export function renderTemplate(template: string, t: TargetIdentity): string {
  const username = t.username ? `@${t.username}` : null;
  return template.replace(VARIABLE, (whole, at: string, name: string, fallback: string | undefined) => {
    if (name === 'username') return username ?? fallback ?? t.first_name ?? 'there';
    if (name === 'first_name') return at + (t.first_name ?? fallback ?? username ?? 'there');
    return whole;
  });
}

/** The variables a template uses that are not TEMPLATE_VARIABLES (`{firstname}`, `{name}`), as written, each once. */
export function unknownTemplateVariables(template: string): string[] {
  const known: readonly string[] = TEMPLATE_VARIABLES;
  const unknown = new Set<string>();
  for (const m of template.matchAll(VARIABLE)) if (!known.includes(m[2]!)) unknown.add(m[0].replace(/^@/, ''));
  return [...unknown];
}

/**
 * Known variables opened and not closed (`{first_name!`, `{first_name|друг` at the end), as written, each once: not
 * variables by the grammar above, so they would reach people as typed — the same mistake as an unknown name.
 */
export function unclosedTemplateVariables(template: string): string[] {
  const names = TEMPLATE_VARIABLES.join('|');
  const open = new RegExp(`\\{(?:${names})\\b(?!(?:\\|[^{}\\n]*)?\\})`, 'g');
  return [...new Set(template.match(open) ?? [])];
}

/** The template with each variable the worker fills (with its fallback and an "@" before it) written as `mark`: for a task's name. */
export function withVariablesAs(template: string, mark: string): string {
  const known: readonly string[] = TEMPLATE_VARIABLES;
  return template.replace(VARIABLE, (whole, _at: string, name: string) => (known.includes(name) ? mark : whole));
}
