import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from '../shared/errors.js';

/** Turns a zod issue path + message into "body.target_group: must be …". */
function sentence(issue: { instancePath?: string; message?: string; params?: { issue?: { path?: PropertyKey[]; message?: string } } }, where: string) {
  const path = issue.params?.issue?.path?.map(String).join('.') || issue.instancePath?.replace(/^\//, '').replace(/\//g, '.') || '';
  const msg = issue.params?.issue?.message ?? issue.message ?? 'is invalid';
  return `${where}${path ? `.${path}` : ''}: ${msg}`;
}

/**
 * Every error leaves as {error, message[, details]} where message is a sentence a person can read:
 * never "[object Object]", never a stack trace. Unknown errors are 500 and logged in full.
 */
export function installErrorHandler(app: FastifyInstance, spaIndex?: (reply: FastifyReply) => unknown): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.statusCode).send({ error: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = (err as { validationContext?: string }).validationContext ?? 'request';
      const issues = err.validation.map((v) => sentence(v as never, where));
      return reply.status(400).send({ error: 'VALIDATION_FAILED', message: `Invalid request: ${issues.join('; ')}`, details: issues });
    }
    const status = err.statusCode ?? 500;
    if (status === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: 'TOO_LARGE', message: 'The upload is larger than this server accepts.' });
    }
    if (status >= 400 && status < 500) {
      const message = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
        ? 'The request body is not valid JSON.'
        : err.message;
      return reply.status(status).send({ error: err.code ?? 'BAD_REQUEST', message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: 'INTERNAL', message: 'Something went wrong on the server; the error has been logged.' });
  });
  app.setNotFoundHandler((request, reply) => {
    // Page navigations (not API calls, not asset files) get the single-page app, which routes by hash.
    const path = request.url.split('?')[0]!;
    if (spaIndex && request.method === 'GET' && !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path)) return spaIndex(reply);
    return reply.status(404).send({ error: 'NOT_FOUND', message: `No route ${request.method} ${path}.` });
  });
}
