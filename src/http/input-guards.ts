import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type {} from '@fastify/multipart';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { NUL_MESSAGE } from '../shared/input-schemas.js';

/** How many values one request's input may hold before the walk gives up and calls it too complex. */
const MAX_NODES = 1_000_000;

export type InputProblem = { path: PropertyKey[]; message: string };

/**
 * Looks through a request's parsed input (body, query, params) for what no column can store: a NUL byte in any
 * string or key, at any depth. Iterative, so deep nesting cannot overflow the stack; bounded by MAX_NODES.
 */
export function findInputProblem(data: unknown): InputProblem | null {
  // Each node points at its parent, so the path is built only for the field that is reported (deep input stays linear).
  type Node = { value: unknown; key: PropertyKey | null; parent: Node | null };
  const pathOf = (node: Node | null, last?: PropertyKey): PropertyKey[] => {
    const path: PropertyKey[] = last === undefined ? [] : [last];
    for (let n = node; n && n.key !== null; n = n.parent) path.unshift(n.key);
    return path;
  };
  const stack: Node[] = [{ value: data, key: null, parent: null }];
  let seen = 0;
  while (stack.length) {
    const node = stack.pop()!;
    const { value } = node;
    if (++seen > MAX_NODES) return { path: [], message: `holds more than ${MAX_NODES} values; send less at once` };
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { path: pathOf(node), message: NUL_MESSAGE };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: node });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.includes('\u0000')) return { path: pathOf(node, k.replace(/\u0000/g, '\\u0000')), message: `has a key that ${NUL_MESSAGE}` };
        stack.push({ value: v, key: k, parent: node });
      }
    }
  }
  return null;
}

const ZOD_VALIDATION_ERROR = Symbol.for('ZodFastifySchemaValidationError');

/**
 * The zod validator of every route, behind one guard: input holding a NUL byte anywhere is a 400 naming the
 * field, before any schema (even `z.unknown()`) lets it through to PostgreSQL, which cannot store it.
 */
export const guardedValidatorCompiler: FastifySchemaCompiler<unknown> = (routeSchema) => {
  const validate = validatorCompiler(routeSchema as never) as (data: unknown) => { value?: unknown; error?: unknown };
  return (data: unknown) => {
    const problem = findInputProblem(data);
    if (problem) {
      const pathText = problem.path.map(String);
      return {
        error: [
          {
            [ZOD_VALIDATION_ERROR]: true,
            keyword: 'custom',
            instancePath: `/${pathText.join('/')}`,
            schemaPath: '#/custom',
            message: problem.message,
            params: { issue: { path: pathText, message: problem.message } },
          },
        ] as never,
      };
    }
    return validate(data) as never;
  };
};

/** An uploaded file's name as it may be shown and stored: no NUL or other control characters, at most 255 long. */
export function cleanFileName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : name.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255);
}

/**
 * A preHandler for every route that takes uploads: the multipart file's name (which no schema validates) is
 * cleaned before any handler sees it, so a NUL in a file name can never reach PostgreSQL.
 */
export async function cleanUploadNames(req: FastifyRequest): Promise<void> {
  if (typeof (req as { file?: unknown }).file !== 'function' || !req.isMultipart?.()) return;
  const original = req.file.bind(req);
  req.file = (async (...args: Parameters<typeof original>) => {
    const file = await original(...args);
    if (file) file.filename = cleanFileName(file.filename) ?? '';
    return file;
  }) as typeof req.file;
}
