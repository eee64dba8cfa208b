import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import iconv from 'iconv-lite';
import { addSandboxAccount, createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';
import { multipartBody } from './helpers/multipart.js';
import { flatRows } from './helpers/row-batches.js';
import { sheetRowsOf, workbook } from './helpers/xlsx-zip.js';
import { loadConfig } from '../src/config/config.js';
import { resolveSecrets } from '../src/auth/secret-source.js';
import { UserRateLimiter } from '../src/http/user-rate-limit.js';
import { fileRows } from '../src/import/file-rows.js';
import { Readable } from 'node:stream';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t?.close();
});

const upload = (name: string, content: Buffer | string, query = 'dry_run=true') => {
  const body = multipartBody(name, content);
  return t.api({ method: 'POST', url: `/api/v1/invite/import/file?${query}`, payload: body.payload, headers: body.headers });
};

describe('NUL bytes are a 400 naming the field, in every route and every imported cell', () => {
  it('refuses NUL in body, query and path text', async () => {
    const cases = [
      {
        method: 'POST' as const,
        url: '/api/v1/invite/tasks',
        payload: { type: 'invite_to_group', target_group: '@sandbox_\u0000marketing' },
        field: 'body.target_group',
      },
      {
        method: 'POST' as const,
        url: '/api/v1/invite/tasks',
        payload: { type: 'direct_message', message_template: 'hi', settings: { notes: 'a\u0000b' } },
        field: 'body.settings.notes',
      },
      { method: 'POST' as const, url: '/api/v1/invite/accounts', payload: { label: 'x\u0000' }, field: 'body.label' },
      { method: 'GET' as const, url: '/api/v1/invite/tasks?name_contains=%00', field: 'querystring.name_contains' },
      { method: 'GET' as const, url: '/api/v1/invite/jobs/abc%00', field: 'params.id' },
      {
        method: 'POST' as const,
        url: '/api/v1/invite/import/validate',
        payload: { rows: [{ username: '@alice_example', deep: { k: ['\u0000'] } }] },
        field: 'body.rows.0.deep.k.0',
      },
      { method: 'POST' as const, url: '/api/v1/invite/import/validate', payload: { rows: [{ 'user\u0000name': 'x' }] }, field: 'body.rows.0' },
    ];
    for (const c of cases) {
      const res = await t.api(c);
      expect(res.statusCode, `${c.url} ${JSON.stringify(c.payload)}`).toBe(400);
      expect(res.json.error).toBe('VALIDATION_FAILED');
      expect(res.json.message).toContain(c.field);
      expect(res.json.message).toMatch(/NUL byte/);
    }
  });

  it('refuses a NUL in an imported cell with a per-row reason (CSV, JSON, TXT) and imports the rest', async () => {
    const task = await createInviteTask(t, []);
    const csv = await upload('a.csv', 'username,first_name\n@alice_example,Al\u0000ice\n@bob_example,Bob\n', `task_id=${task.id}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.json.imported).toBe(1);
    expect(csv.json.invalid).toBe(1);
    expect(csv.json.errors[0]).toEqual({ row: 2, reason: expect.stringMatching(/"first_name" column holds a NUL byte/) });
    const json = await upload(
      'a.json',
      JSON.stringify([{ username: '@carol_example', platform_specific_data: { first_name: 'C\u0000' } }, '@dave_example']),
      `task_id=${task.id}`,
    );
    expect(json.statusCode).toBe(200);
    expect(json.json.imported).toBe(1);
    expect(json.json.errors[0].reason).toMatch(/platform_specific_data\.first_name/);
    const txt = await upload('a.txt', '@erin_example\n@fr\u0000ank_example\n', `task_id=${task.id}`);
    expect(txt.statusCode).toBe(200);
    expect(txt.json.imported).toBe(1);
    expect(txt.json.errors[0].reason).toMatch(/NUL byte/);
    // The file name is stored with a background job: control characters are dropped, not a 500.
    const bg = await upload('li\u0000st.csv', 'username\n@gina_example\n', `task_id=${task.id}&background=true`);
    expect(bg.statusCode).toBe(202);
    expect(JSON.stringify(bg.json)).not.toContain('\\u0000');
  });
});

describe('ids, dates and waits are bounded', () => {
  it('answers ids beyond the int4 range with a 400, in paths and bodies', async () => {
    const big = '2147483648';
    for (const [method, url] of [
      ['GET', `/api/v1/invite/tasks/${big}`],
      ['DELETE', `/api/v1/invite/accounts/${big}`],
      ['PUT', `/api/v1/invite/tasks/1/targets/${big}`],
      ['DELETE', `/api/v1/invite/tasks/${big}/targets/1`],
      ['GET', `/api/v1/invite/jobs?task_id=${big}`],
      ['GET', '/api/v1/invite/tasks/99999999999999999999'],
    ] as const) {
      const res = await t.api({ method, url, ...(method === 'PUT' ? { payload: { first_name: 'x' } } : {}) });
      expect(res.statusCode, url).toBe(400);
      expect(res.json.message).toMatch(/at most 2147483647|must be/);
    }
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks/2147483647' })).statusCode).toBe(404);
    for (const [url, payload] of [
      ['/api/v1/invite/tasks/bulk', { action: 'PAUSE', task_ids: [2147483648] }],
      ['/api/v1/invite/tasks/1/targets/bulk-action', { action: 'delete', target_ids: [2 ** 31] }],
      ['/api/v1/account-manager/check', { account_id: 2 ** 31, action: 'invite' }],
      ['/api/v1/invite/import/parsing', { task_id: 2 ** 40, parsing_task_id: 'x' }],
    ] as const) {
      const res = await t.api({ method: 'POST', url, payload });
      expect(res.statusCode, url).toBe(400);
      expect(res.json.message).toMatch(/at most 2147483647/);
    }
  });

  it('answers dates outside the years 1970–9999 with a 400', async () => {
    for (const q of ['created_before=99999-01-01', 'created_after=+275760-09-13T00:00:00Z', 'created_before=1969-12-31T23:59:59Z']) {
      const res = await t.api({ method: 'GET', url: `/api/v1/invite/tasks?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json.message).toMatch(/years 1970–9999|must be a date-time/);
    }
    expect((await t.api({ method: 'GET', url: '/api/v1/invite/tasks?created_before=9999-01-01' })).statusCode).toBe(200);
    const res = await t.api({
      method: 'POST',
      url: '/api/v1/invite/tasks',
      payload: { type: 'invite_to_group', target_group: '@sandbox_marketing', scheduled_at: '10000-01-01T00:00:00Z' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json.message).toContain('body.scheduled_at');
  });

  it('caps a reported FloodWait at 7 days', async () => {
    const account = await addSandboxAccount(t, 1, 'Waiter');
    for (const seconds of [1e12, 1e10, 7 * 24 * 3600 + 1]) {
      const res = await t.api({ method: 'POST', url: '/api/v1/account-manager/report-error', payload: { account_id: account, kind: 'FLOOD_WAIT', seconds } });
      expect(res.statusCode, String(seconds)).toBe(400);
      expect(res.json.message).toMatch(/body\.seconds: seconds can be at most 604800/);
    }
    const ok = await t.api({
      method: 'POST',
      url: '/api/v1/account-manager/report-error',
      payload: { account_id: account, kind: 'FLOOD_WAIT', seconds: 7 * 24 * 3600 },
    });
    expect(ok.statusCode).toBe(200);
    const row = await t.ctx.db.selectFrom('accounts').select('rest_until').where('id', '=', account).executeTakeFirstOrThrow();
    expect(new Date(row.rest_until!).getTime() - t.clock.now().getTime()).toBeLessThanOrEqual(
      (7 * 24 * 3600 + t.ctx.config.limits.floodWaitBufferSeconds) * 1000,
    );
  });
});

describe('text encodings of CSV and TXT files', () => {
  const people = 'username,first_name,last_name\n@ivan_petrov,Иван,Петров\n@maria_sidorova,Мария,Сидорова\n@yolka_schukina,Ёлка,Щукина\n';
  const expectRussian = (res: Awaited<ReturnType<typeof upload>>, encoding: string) => {
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json.encoding).toBe(encoding);
    expect(res.json.imported).toBe(3);
    expect(res.json.preview.map((p: { first_name: string; last_name: string }) => `${p.first_name} ${p.last_name}`)).toEqual([
      'Иван Петров',
      'Мария Сидорова',
      'Ёлка Щукина',
    ]);
    expect(res.body).not.toContain('\uFFFD');
  };

  it('reads Windows-1251 (a real cp1251 file, no BOM)', async () => {
    const bytes = iconv.encode(people, 'win1251');
    expect(bytes.includes(0xc8)).toBe(true); // "И" in cp1251
    expectRussian(await upload('people.csv', bytes), 'Windows-1251');
    const txt = await upload('people.txt', iconv.encode('@ivan_petrov\nИван Петров\n', 'win1251'));
    expect(txt.json.encoding).toBe('Windows-1251');
    expect(txt.json.imported).toBe(1);
    expect(txt.json.errors[0].reason).toContain('"Иван Петров"');
  });

  it('reads UTF-16 LE and BE with a byte-order mark, UTF-8 with and without one, and KOI8-R', async () => {
    expectRussian(await upload('people.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(people, 'utf16le')])), 'UTF-16LE');
    expectRussian(await upload('people.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(people, 'utf16be')])), 'UTF-16BE');
    expectRussian(await upload('people.csv', Buffer.from(`\uFEFF${people}`, 'utf8')), 'UTF-8 (BOM)');
    expectRussian(await upload('people.csv', Buffer.from(people, 'utf8')), 'UTF-8');
    expectRussian(await upload('people.csv', iconv.encode(people, 'koi8-r')), 'KOI8-R');
    // Tab-separated UTF-16 (what Excel's "Unicode text" writes) is recognised as CSV without its extension.
    const tsv = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(people.replace(/,/g, '\t'), 'utf16le')]);
    const res = await upload('export', tsv);
    expect(res.json.format).toBe('csv');
    expectRussian(res, 'UTF-16LE');
  });

  it('reads a Russian UTF-8 file whose sniffed first 64 KB end inside a letter, wherever the upload is cut', async () => {
    // Found in the browser: a 20,000-row file of Cyrillic names was refused as "not valid UTF-8" when the upload's
    // packets put the end of the sniffed head inside a two-byte letter (the head was decoded as if it were the file).
    const lines = Array.from({ length: 4000 }, (_, i) => `@ivan_${i}_petrov,Иван,Петров\n`);
    const file = Buffer.from(`username,first_name,last_name\n${lines.join('')}`, 'utf8');
    for (let cut = 65_536; cut < 65_536 + 24; cut++) {
      const { rows, encoding } = await fileRows(Readable.from([file.subarray(0, cut), file.subarray(cut)]), 'people.csv', 'text/csv');
      expect(encoding).toBe('UTF-8');
      const names: string[] = [];
      for (const row of await flatRows(rows))
        names.push(`${(row.record as Record<string, string>).first_name} ${(row.record as Record<string, string>).last_name}`);
      expect(names.length, `cut at byte ${cut}`).toBe(4000);
      expect(new Set(names), `cut at byte ${cut}`).toEqual(new Set(['Иван Петров']));
    }
  });

  it('says a binary file is not text, instead of a page of NUL errors and garbled rows', async () => {
    // A PNG's signature and header, then bytes as a compressed picture has them (deterministic).
    const bytes = Buffer.alloc(4096);
    for (let i = 0, x = 7; i < bytes.length; i++) bytes[i] = x = (x * 1103515245 + 12345) & 0xff;
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).copy(bytes);
    for (const name of ['photo.csv', 'list.txt']) {
      const body = multipartBody(name, bytes);
      const res = await t.api({
        method: 'POST',
        url: '/api/v1/invite/import/file?dry_run=true',
        payload: body.payload,
        headers: { ...body.headers, 'accept-language': 'ru' },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json).toMatchObject({ error: 'MALFORMED_FILE', message: expect.stringMatching(/^Это не текстовый файл, а двоичные данные/) });
    }
    // A text file with a stray NUL in a cell is still read, that row refused on its own (above).
    const oneNul = await upload('a.csv', `username\n${'@some_user_name\n'.repeat(50)}@bad\u0000name\n`);
    expect(oneNul.statusCode).toBe(200);
  });

  it('refuses a file that turns invalid UTF-8 after a clean start instead of writing U+FFFD', async () => {
    const clean = Buffer.from(`username\n${'@clean_user_name\n'.repeat(6000)}`);
    const tail = iconv.encode('@ivan_petrov,Иван\n', 'win1251');
    const { rows, encoding } = await fileRows(Readable.from([clean.subarray(0, 65_536), clean.subarray(65_536), tail]), 'mixed.csv', undefined);
    expect(encoding).toBe('UTF-8');
    await expect(
      (async () => {
        for await (const _ of rows) {
          /* read all */
        }
      })(),
    ).rejects.toThrow(/not valid UTF-8/);
    // Over HTTP the whole answer is a 400 or a correct reading, never U+FFFD.
    const res = await upload('mixed.csv', Buffer.concat([clean, tail]));
    expect(res.body).not.toContain('\uFFFD');
    expect([200, 400]).toContain(res.statusCode);
  });
});

describe('XLSX bounds', () => {
  it('imports an ordinary workbook', async () => {
    const strings = ['username', '@alice_example', '@bob_example', '@carol_example'].map((s) => `<si><t>${s}</t></si>`).join('');
    const res = await upload('people.xlsx', await workbook(sheetRowsOf(4), strings));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json.imported).toBe(3);
  });

  // Memory is measured in a process of its own (node --expose-gc): the test runner's own garbage would blur it.
  const probe = async (name: string, wb: Buffer) => {
    const dir = mkdtempSync(join(tmpdir(), 'xlsx-probe-'));
    try {
      writeFileSync(join(dir, `${name}.xlsx`), wb);
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/helpers/xlsx-memory-probe.ts', join(dir, `${name}.xlsx`)], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      return JSON.parse(out.trim().split('\n').pop()!) as {
        status: number;
        message: string | null;
        total_rows: number | null;
        zip_bytes: number;
        peak_mb: number;
        heap_mb: number;
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('refuses a shared-strings bomb before reading it, staying under +100 MB of memory', async () => {
    // ~2 MB on the wire, a gigabyte unpacked (58 million shared strings): the +440 MB case of the issue.
    const r = await probe(
      'bomb',
      await workbook(sheetRowsOf(3), '<si><t>username</t></si>', { repeatString: { unit: '<si><t>a</t></si>', times: 58_000_000 } }),
    );
    expect(r.zip_bytes).toBeLessThan(3 * 1024 * 1024);
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/too large to import/);
    expect(r.peak_mb).toBeLessThan(100);
    expect(r.heap_mb).toBeLessThan(100);
  }, 120_000);

  it('reads the largest workbook the limits allow (600,000 distinct texts, 22 MB of them) under +100 MB of memory', async () => {
    const strings = ['<si><t>username</t></si>'];
    for (let i = 0; i < 600_000; i++) strings.push(`<si><t>${`${i.toString(36)}xxxxxxxxxxxxxxxxxxxx`.slice(0, 20)}</t></si>`);
    const r = await probe('largest-allowed', await workbook(sheetRowsOf(2000), strings.join('')));
    expect(r.status, String(r.message)).toBe(200);
    expect(r.total_rows).toBe(1999);
    expect(r.peak_mb).toBeLessThan(100);
    expect(r.heap_mb).toBeLessThan(100);
  }, 120_000);

  it('refuses parts that unpack to more than they declare, and too many distinct texts', async () => {
    const strings = `<si><t>username</t></si>${'<si><t>@alice_example</t></si>'.repeat(2000)}`;
    const liar = await workbook(sheetRowsOf(3), strings, { declaredStringsSize: 100 });
    const res = await upload('liar.xlsx', liar);
    expect(res.statusCode).toBe(400);
    expect(res.json.message).toMatch(/unpacks to more than it declares/);
    const small = await makeTestApp({ MAX_XLSX_ROWS: '100' });
    try {
      const body = multipartBody('many.xlsx', await workbook(sheetRowsOf(3), strings));
      const many = await small.api({ method: 'POST', url: '/api/v1/invite/import/file?dry_run=true', payload: body.payload, headers: body.headers });
      expect(many.statusCode).toBe(400);
      expect(many.json.message).toMatch(/more than 400 distinct texts/);
      const rows = multipartBody(
        'rows.xlsx',
        await workbook(sheetRowsOf(150), `<si><t>username</t></si>${Array.from({ length: 149 }, (_, i) => `<si><t>@user_number_${i}</t></si>`).join('')}`),
      );
      const tooMany = await small.api({ method: 'POST', url: '/api/v1/invite/import/file?dry_run=true', payload: rows.payload, headers: rows.headers });
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json.message).toMatch(/more than 100 rows/);
      // Text files stream with flat memory: only the upload size bounds them.
      const csv = multipartBody('rows.csv', `username\n${Array.from({ length: 150 }, (_, i) => `@user_number_${i}`).join('\n')}\n`);
      expect(
        (await small.api({ method: 'POST', url: '/api/v1/invite/import/file?dry_run=true', payload: csv.payload, headers: csv.headers })).json.total_rows,
      ).toBe(150);
    } finally {
      await small.close();
    }
  });
});

describe('per-user rate limits on the authenticated API', () => {
  it('answers 429 with a sentence and Retry-After, per user, and a stricter budget for expensive routes', async () => {
    const limited = await makeTestApp({ RATE_LIMIT_PER_USER_PER_MINUTE: '20', RATE_LIMIT_EXPENSIVE_PER_USER_PER_MINUTE: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 21; i++) codes.push((await limited.api({ method: 'GET', url: '/api/v1/invite/tasks' })).statusCode);
      expect(codes.slice(0, 20).every((c) => c === 200)).toBe(true);
      const denied = await limited.api({ method: 'GET', url: '/api/v1/invite/tasks' });
      expect(denied.statusCode).toBe(429);
      expect(denied.json.error).toBe('RATE_LIMITED');
      expect(denied.json.message).toMatch(/20 requests in the last minute.*try again in \d+ s/);
      expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0);
      // Another user has a budget of their own; the open endpoints are not counted against anybody.
      expect((await limited.api({ method: 'GET', url: '/api/v1/invite/tasks', user: 2 })).statusCode).toBe(200);
      expect((await limited.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      // Expensive routes: 3 per minute.
      const check = () => limited.api({ method: 'GET', url: '/api/v1/invite/groups/check?link=@sandbox_marketing', user: 3 });
      for (let i = 0; i < 3; i++) expect((await check()).statusCode).toBe(200);
      const costly = await check();
      expect(costly.statusCode).toBe(429);
      expect(costly.json.message).toMatch(/3 imports, checks or reports/);
      expect((await limited.api({ method: 'GET', url: '/api/v1/invite/tasks', user: 3 })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('opens a new window after a minute', () => {
    let now = 0;
    const limiter = new UserRateLimiter(2, 1, () => now);
    expect(limiter.take(1, false)).toBeNull();
    expect(limiter.take(1, true)).toBeNull();
    expect(limiter.take(1, false)).toMatchObject({ budget: 'general', retryAfter: 60 });
    now = 45_000;
    expect(limiter.take(1, false)).toMatchObject({ retryAfter: 15 });
    now = 60_000;
    expect(limiter.take(1, true)).toBeNull();
    expect(limiter.take(1, true)).toMatchObject({ budget: 'expensive' });
  });
});

describe('dev secrets of a memory:// database', () => {
  it('are generated in memory and never written to disk', async () => {
    rmSync('memory:', { recursive: true, force: true });
    const config = loadConfig({ PGLITE_DATA_DIR: 'memory://', LOG_LEVEL: 'silent' });
    const a = await resolveSecrets(config);
    const b = await resolveSecrets(config);
    expect(a.source).toBe('generated-dev');
    expect(a.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(b.jwtSecret).toBe(a.jwtSecret); // the same for the whole process
    expect(existsSync('memory:')).toBe(false);
    expect(existsSync('memory:/dev-secrets.json')).toBe(false);
  });
});
