import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';
import { ParsingServiceFake, fakePerson } from './helpers/platform-fakes.js';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../src/observability/logger.js';

/**
 * A property-based fuzz generated from the routes' own schemas: every operation of the OpenAPI document
 * (`app.swagger()`, built from the zod schemas of the registered routes) with path, query and body values that
 * follow the schema, bend it, or ignore it — NUL bytes, huge and non-finite numbers, deep nesting, long strings,
 * wrong types. No answer may be a 5xx, and the process must stay healthy.
 */

type Schema = {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  additionalProperties?: Schema | boolean;
  format?: string;
};
type Param = { in: 'path' | 'query' | 'header'; name: string; schema?: Schema; required?: boolean };
type Operation = { method: string; path: string; params: Param[]; body?: Schema; multipart: boolean };

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

const nul = fc.constantFrom('\u0000', 'a\u0000b', '@user\u0000name', '\u0000'.repeat(10));
const numberish = fc.constantFrom(
  '2147483648',
  '2147483647',
  '9223372036854775808',
  '1e308',
  '-1',
  '0',
  '1.5',
  'NaN',
  'Infinity',
  '0x10',
  ' 1 ',
  '1e0',
  '-0',
  '99999-01-01',
  '+275760-09-13T00:00:00Z',
  '0001-01-01',
  '',
);
const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: nul },
  { weight: 2, arbitrary: numberish },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) }, // lone surrogates included
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "'; DROP TABLE tasks; --",
      '%',
      '_',
      '\\',
      '@',
      '@sandbox_marketing',
      '-1001000000001',
      't.me/+abc',
      '../../etc/passwd',
      '<script>',
    ),
  },
);
const hugeNumber = fc.constantFrom(
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53,
  2 ** 63,
  1e10,
  1e12,
  1e308,
  -1e308,
  -1,
  0,
  0.5,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1e-300,
);

function deep(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}
const deepNesting = fc.tuple(fc.integer({ min: 20, max: 800 }), fc.constantFrom('array' as const, 'object' as const)).map(([d, k]) => deep(d, k));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hugeNumber,
  fc.boolean(),
  fc.constant(null),
  deepNesting,
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
);

/** Values for one schema: mostly what it asks for (so requests reach the handlers), sometimes anything at all. */
function fromSchema(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return hostileValue;
  const variants = schema.anyOf ?? schema.oneOf;
  let shaped: fc.Arbitrary<unknown>;
  if (variants?.length) shaped = fc.oneof(...variants.map((s) => fromSchema(s, depth + 1)));
  else if (schema.allOf?.length) shaped = fromSchema(schema.allOf[0], depth + 1);
  else if (schema.enum?.length)
    shaped = fc.oneof(
      fc.constantFrom(...schema.enum),
      fc.constantFrom(...schema.enum).map((v) => (typeof v === 'string' ? v.toLowerCase() : v)),
    );
  else if (schema.type === 'integer' || schema.type === 'number') {
    const lo = schema.minimum ?? -1_000;
    const hi = schema.maximum ?? 1_000;
    shaped = fc.oneof(fc.integer({ min: Math.max(-1e9, Math.ceil(lo)), max: Math.min(1e9, Math.floor(hi)) }), fc.constantFrom(1, 2, 3), hugeNumber);
  } else if (schema.type === 'string') {
    shaped = fc.oneof(
      fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) }),
      fc.constantFrom('@sandbox_marketing', '@alice_example', 'abc-123', '2026-11-23T10:00:00Z', '1', 'true'),
      hostileString,
    );
  } else if (schema.type === 'boolean') shaped = fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 1, 0));
  else if (schema.type === 'array') shaped = fc.array(fromSchema(schema.items, depth + 1), { maxLength: 6 });
  else if (schema.type === 'object' || schema.properties) {
    const props = Object.entries(schema.properties ?? {});
    const required = new Set(schema.required ?? []);
    const fields = Object.fromEntries(
      props.map(([k, s]) => [k, required.has(k) ? fromSchema(s, depth + 1) : fc.option(fromSchema(s, depth + 1), { nil: undefined, freq: 3 })]),
    );
    shaped = fc.tuple(fc.record(fields), fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }), fc.boolean()).map(([rec, extra, withExtra]) => {
      const clean = Object.fromEntries(Object.entries(rec).filter(([, v]) => v !== undefined));
      return withExtra ? { ...extra, ...clean } : clean;
    });
  } else shaped = hostileValue;
  const maybeNull = schema.nullable ? fc.oneof({ weight: 9, arbitrary: shaped }, { weight: 1, arbitrary: fc.constant(null) }) : shaped;
  return fc.oneof({ weight: 6, arbitrary: maybeNull }, { weight: 1, arbitrary: hostileValue });
}

const asParam = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : (JSON.stringify(v) ?? String(v)));

function operations(doc: {
  paths: Record<string, Record<string, { parameters?: Param[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; consumes?: string[] }>>;
}): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {};
      ops.push({
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: content['application/json']?.schema,
        multipart: /\/file$/.test(path) || 'multipart/form-data' in content,
      });
    }
  }
  return ops;
}

function requestFor(
  op: Operation,
): fc.Arbitrary<{ method: string; url: string; payload?: string | Buffer; headers: Record<string, string>; user: number; label: string }> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const pathArb = fc.tuple(
    ...pathParams.map((p) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1', '2', '3') }, { weight: 2, arbitrary: fromSchema(p.schema).map(asParam) })),
  );
  const queryArb = fc.tuple(...queryParams.map((p) => fc.option(fromSchema(p.schema), { nil: undefined, freq: 2 })));
  const bodyArb: fc.Arbitrary<{ payload?: string | Buffer; headers: Record<string, string> }> = op.multipart
    ? fc.oneof(
        fc
          .tuple(
            fc.constantFrom('a.csv', 'a.txt', 'a.json', 'a.xlsx', 'noext', 'a\u0000.csv'),
            fc.oneof(
              fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
              hostileString.map((s) => Buffer.from(s)),
            ),
          )
          .map(([name, bytes]) => {
            const b = multipartBody(name, bytes);
            return { payload: b.payload, headers: b.headers };
          }),
        fc.constant({ headers: {} }),
      )
    : op.body
      ? fc.oneof(
          { weight: 8, arbitrary: fromSchema(op.body).map((v) => ({ payload: JSON.stringify(v) ?? 'null', headers: { 'content-type': 'application/json' } })) },
          // Deeply nested documents inside a real field (JSON.stringify cannot build them that deep).
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.constantFrom(...Object.keys(op.body.properties ?? { x: {} })), fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('[', '{"a":'))
              .map(([k, n, open]) => ({
                payload: `{"${k}":${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}}`,
                headers: { 'content-type': 'application/json' },
              })),
          },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom(
                '{',
                '[]',
                '"\\u0000"',
                '['.repeat(20_000),
                '{"a":'.repeat(10_000),
                'null',
                '{"__proto__":{"x":1}}',
                '{"constructor":{"prototype":{"x":1}}}',
              )
              .map((p) => ({ payload: p, headers: { 'content-type': 'application/json' } })),
          },
          { weight: 1, arbitrary: hostileString.map((p) => ({ payload: p, headers: { 'content-type': 'text/plain' } })) },
        )
      : fc.oneof(
          { weight: 4, arbitrary: fc.constant({ headers: {} }) },
          { weight: 1, arbitrary: hostileValue.map((v) => ({ payload: JSON.stringify(v) ?? 'null', headers: { 'content-type': 'application/json' } })) },
        );
  return fc.tuple(pathArb, queryArb, bodyArb, fc.constantFrom(1, 1, 1, 2)).map(([pathValues, queryValues, body, user]) => {
    let url = op.path;
    pathParams.forEach((p, i) => {
      url = url.replace(`{${p.name}}`, encodeURIComponent(pathValues[i] as string) || '%20');
    });
    const qs: string[] = [];
    queryParams.forEach((p, i) => {
      const v = queryValues[i];
      if (v === undefined) return;
      for (const item of Array.isArray(v) ? v : [v]) qs.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(asParam(item))}`);
    });
    if (qs.length) url += `?${qs.join('&')}`;
    return { method: op.method, url, ...body, user, label: `${op.method} ${op.path}` };
  });
}

let t: TestApp;
const JWT_SECRET = randomBytes(16).toString('hex');
const parsing = new ParsingServiceFake(JWT_SECRET);
beforeAll(async () => {
  // A Parsing Service that answers (the base routes then reach their handlers; without one they answer 503).
  for (const owner of [1, 2])
    for (const task_id of ['1', '2', 'abc-123']) parsing.addBase(owner, { task_id, results: Array.from({ length: 5 }, (_, i) => fakePerson(i + 1)) });
  await parsing.start();
  t = await makeTestApp(
    { JWT_SECRET, PARSING_SERVICE_URL: parsing.url, MAX_TARGETS_PER_TASK: '100000' },
    { logger: createLogger(process.env.FUZZ_DEBUG ? 'error' : 'silent') },
  );
  // Something to find: accounts, tasks with targets, a background job (ids 1–3 are tried most often).
  for (const user of [1, 2]) {
    await addSandboxAccount(t, user, `Sender ${user}`);
    await createInviteTask(t, ['@alice_example', '@bob_example', { username: '@carol_example', first_name: 'Carol' }], {}, user);
    await createInviteTask(t, ['@dave_example'], { type: 'direct_message', message_template: 'Hello' }, user);
  }
  const file = multipartBody('a.csv', 'username\n@erin_example\n');
  await t.api({ method: 'POST', url: '/api/v1/invite/import/file?task_id=1&background=true', payload: file.payload, headers: file.headers });
});
afterAll(async () => {
  await t?.close();
  await parsing.close();
});

describe('API fuzz generated from the route schemas', () => {
  it(`answers ${RUNS} hostile requests across every route without a 5xx, and stays healthy`, async () => {
    await t.app.ready();
    const ops = operations(t.app.swagger() as never);
    expect(ops.length).toBeGreaterThan(40);
    const requests = fc.sample(fc.constantFrom(...ops).chain(requestFor), { numRuns: RUNS, seed: SEED });
    const failures: string[] = [];
    const byStatus: Record<string, number> = {};
    const seen = new Set<string>();
    const started = Date.now();
    for (const [i, req] of requests.entries()) {
      seen.add(req.label);
      const t0 = Date.now();
      const res = await Promise.race([
        t.api({ method: req.method as never, url: req.url, payload: req.payload, headers: req.headers, user: req.user }),
        new Promise<{ statusCode: number; body: string }>((resolve) =>
          setTimeout(() => resolve({ statusCode: 599, body: 'no answer within 10 s' }), 10_000).unref(),
        ),
      ]);
      const ms = Date.now() - t0;
      byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
      if (process.env.FUZZ_DEBUG && ms > 300)
        console.log(`slow ${ms} ms: ${req.label} ${req.url.slice(0, 120)} ${String(req.payload ?? '').length} bytes → ${res.statusCode}`);
      if (res.statusCode >= 500)
        failures.push(
          `${res.statusCode} ${req.label} ${JSON.stringify(req.url.slice(0, 200))} ${JSON.stringify(String(req.payload ?? '').slice(0, 300))} → ${res.body.slice(0, 200)}`,
        );
      if (i % 500 === 499) expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz: ${requests.length} requests over ${seen.size}/${ops.length} operations in ${seconds.toFixed(1)} s, ${failures.length} 5xx; answers by status ${JSON.stringify(byStatus)}`,
    );
    expect(failures).toEqual([]);
    expect(seen.size).toBe(ops.length);
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/health/detailed' })).statusCode).toBe(200);
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks' })).statusCode).toBe(200);
  }, 180_000);
});
