import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../shared/errors.js';
import { FIELD_RU } from '../shared/field-names.js';
import { issueField, issueText, langFromHeader, renderMessage, type Lang, type LocalisedText, type ValidationItem } from '../shared/messages.js';

/** Per-field details whose message is said in both languages ({ru, en}) answer in the request's language. */
function localiseDetails(details: unknown, lang: Lang): unknown {
  if (!Array.isArray(details)) return details;
  return details.map((d) =>
    d && typeof d === 'object' && 'message' in d && d.message && typeof d.message === 'object' ? { ...d, message: (d.message as LocalisedText)[lang] } : d,
  );
}

/** `targets.3.username` → «люди, № 4, юзернейм»: known names in Russian, list positions counted from 1. */
export function fieldRu(path: string): string {
  return path
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? `№ ${Number(part) + 1}` : (FIELD_RU[part] ?? part)))
    .join(', ');
}

/** Turns a zod issue path + message into "body.target_group: must be …" (in Russian: "поле «группа»: …"). */
function sentence(issue: ValidationItem, where: string, lang: Lang) {
  const path = issueField(issue);
  const msg = issueText(issue, lang);
  if (lang === 'ru') return path ? `поле «${fieldRu(path)}»: ${msg}` : msg;
  return `${where}${path ? `.${path}` : ''}: ${msg}`;
}

/**
 * Every error leaves as {error, message[, details]} where message is a sentence a person can read:
 * never "[object Object]", never a stack trace. Unknown errors are 500 and logged in full.
 */
export function installErrorHandler(app: FastifyInstance, spa?: { mount?: string }): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    // The request's language (Accept-Language; the UI always sends it): read from the header here too, so even an
    // error raised before any hook ran is said in it.
    const lang = langFromHeader(request.headers['accept-language']);
    if (err instanceof AppError) {
      return reply
        .status(err.statusCode)
        .send({ error: err.code, message: err.text(lang), ...(err.details ? { details: localiseDetails(err.details, lang) } : {}) });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as { validationContext?: string }).validationContext ?? 'request';
      const items = err.validation as unknown as ValidationItem[];
      const issues = items.map((v) => sentence(v, where, lang));
      // `message` is the whole sentence; `details` says each problem at its field, for forms.
      const details = items.map((v) => ({ field: issueField(v), message: issueText(v, lang) }));
      return reply.status(400).send({ error: 'VALIDATION_FAILED', message: renderMessage('VALIDATION_FAILED', lang, { issues: issues.join('; ') }), details });
    }
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: 'TOO_LARGE', message: renderMessage('TOO_LARGE', lang) });
    }
    if (status >= 400 && status < 500) {
      // A body that is not JSON says so by a code of its own, not the framework's (FST_ERR_CTP_…).
      const notJson = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY';
      const message = notJson ? renderMessage('INVALID_JSON', lang) : err.message;
      return reply.status(status).send({ error: (notJson ? 'INVALID_JSON' : err.code) ?? 'BAD_REQUEST', message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: 'INTERNAL', message: renderMessage('INTERNAL', lang) });
  });
  app.setNotFoundHandler((request, reply) => {
    const [path, query] = request.url.split('?') as [string, string | undefined];
    // A page's address typed or pasted without its hash (/tasks/12): the single-page app routes by hash and loads its
    // assets relative to itself, so it is sent to the app's own address with the path as the route (/#/tasks/12; under
    // UI_BASE_PATH, /mailing/tasks/12 → /mailing/#/tasks/12). Served in place, /tasks/12 would ask for
    // /tasks/assets/… and show a blank page.
    if (spa && request.method === 'GET' && !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path)) {
      const mounted = spa.mount && (path === spa.mount || path.startsWith(`${spa.mount}/`));
      const route = mounted ? path.slice(spa.mount!.length) : path;
      return reply.redirect(`${mounted ? spa.mount : ''}/${query ? `?${query}` : ''}#${route.replace(/\/+$/, '') || '/tasks'}`);
    }
    return reply.status(404).send({
      error: 'NOT_FOUND',
      message: renderMessage('NOT_FOUND.route', langFromHeader(request.headers['accept-language']), { method: request.method, path }),
    });
  });
}
