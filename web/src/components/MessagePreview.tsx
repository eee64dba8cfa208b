import { renderTemplate, unclosedTemplateVariables, unknownTemplateVariables } from '../api/types';
import { useI18n, type Lang, type T } from '../i18n';
import { MAX_MESSAGE_TEMPLATE } from '../../../src/shared/limits';

/** The preview's example people, in the reader's language: one with a first name, one without (where a fallback shows). */
const EXAMPLES: Record<Lang, { named: { username: string; first_name: string }; unnamed: { username: string } }> = {
  ru: { named: { username: 'ivan_petrov', first_name: 'Иван' }, unnamed: { username: 'olga_s' } },
  en: { named: { username: 'jane_doe', first_name: 'Jane' }, unnamed: { username: 'sam_lee' } },
};

/** The first person with a username and (`named`) a first name or (not `named`) none. */
function pick(people: Array<{ username: string | null; first_name: string | null }>, named: boolean) {
  const p = people.find((x) => x.username && !!x.first_name === named);
  return p ? { username: p.username!, first_name: p.first_name ?? '' } : undefined;
}

/** The template as an example person receives it: the server's own renderTemplate. */
export function renderPreview(template: string, person: { username: string; first_name?: string }) {
  return renderTemplate(template, { username: person.username, first_name: person.first_name || null, last_name: null, user_id_platform: null, phone: null });
}

/**
 * Below a message template field: what the example person would read, and — when the template uses {first_name} —
 * what someone without a first name would read (the fallback after the bar, or the username); above them, what is wrong
 * with the text, unless `fieldSaysIt` (the form shows it at its field after a submit: not said twice). `people`: the
 * chosen audience's first people, of whom the first with a name and the first without one are shown instead of the
 * examples, so the text is read as the real recipients will get it.
 */
export function MessagePreview({
  template,
  fieldSaysIt = false,
  people = [],
}: {
  template: string;
  fieldSaysIt?: boolean;
  people?: Array<{ username: string | null; first_name: string | null }>;
}) {
  const { t, lang } = useI18n();
  if (!template) return null;
  const named = pick(people, true) ?? EXAMPLES[lang].named;
  const unnamed: { username: string; first_name?: string } = pick(people, false) ?? EXAMPLES[lang].unnamed;
  // Said while typing, not only when the form is sent: the preview would otherwise show the mistake as if it were fine.
  const problem = fieldSaysIt ? undefined : templateProblem(template, t);
  return (
    <div className="message-preview" data-testid="message-preview">
      {problem && (
        <div className="error-text small" data-testid="message-preview-problem">
          {problem}
        </div>
      )}
      <span className="small muted">{t('livePreview', { username: named.username, name: named.first_name })}</span>
      <p>{renderPreview(template, named)}</p>
      {/\{first_name\b/.test(template) && (
        <>
          <span className="small muted">{t('livePreviewNoName', { username: unnamed.username })}</span>
          <p data-testid="message-preview-no-name">{renderPreview(template, unnamed)}</p>
        </>
      )}
    </div>
  );
}

/**
 * What is wrong with a message template, said at its field before anything is sent (the server refuses the same): no
 * text, a variable the worker does not know, or one not closed — which would reach people as written, "Привет, {firstname}!".
 */
export function templateProblem(template: string, t: T): string | undefined {
  if (!template.trim()) return t('errTemplateRequired');
  // Counted as the server counts it (trimmed), with how long it is now: "too long" alone left people guessing.
  if (template.trim().length > MAX_MESSAGE_TEMPLATE) return t('errTemplateTooLong', { max: MAX_MESSAGE_TEMPLATE, n: template.trim().length });
  const unknown = unknownTemplateVariables(template);
  if (unknown.length) return t('errTemplateVariable', { variable: unknown.join(', ') });
  const unclosed = unclosedTemplateVariables(template);
  return unclosed.length ? t('errTemplateUnclosed', { variable: unclosed.join(', ') }) : undefined;
}
