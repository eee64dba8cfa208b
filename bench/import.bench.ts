/**
 * Import benchmark (not a test): streams a generated 1,000,000-row CSV through POST /import/file, as a dry run
 * and into a task, and prints throughput and peak memory. The CSV is generated on the fly, never held whole.
 *
 *   npm run bench:import            BENCH_IMPORT_ROWS=200000 npm run bench:import
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/config.js';
import { createContext } from '../src/app-context.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/observability/logger.js';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);

function* csvChunks(boundary: string) {
  yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nusername,phone\r\n`);
  const per = 10_000;
  for (let start = 0; start < ROWS; start += per) {
    let chunk = '';
    // Every 50th row repeats the previous person, every 200th is invalid: the counts must come out exact.
    for (let i = start; i < Math.min(ROWS, start + per); i++) chunk += i % 200 === 199 ? 'not valid!,\r\n' : `user_${i % 50 === 49 ? i - 1 : i}_x,\r\n`;
    yield Buffer.from(chunk);
  }
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}

async function main() {
  const config = loadConfig({
    ...process.env, JWT_SECRET: randomBytes(16).toString('hex'), SESSION_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '', PGLITE_DATA_DIR: 'memory://', LOG_LEVEL: 'silent',
    MAX_IMPORT_FILE_BYTES: String(64 * 1024 * 1024), MAX_TARGETS_PER_TASK: String(ROWS),
  });
  const ctx = await createContext(config, { logger: createLogger('silent') });
  const app = await buildApp(ctx);
  const token = await ctx.jwt.sign(1);
  // A real loopback connection: the body arrives in chunks exactly as from a browser or curl.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const post = (path: string, boundary: string) => new Promise<{ statusCode: number; body: any }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ statusCode: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    (async () => {
      for (const chunk of csvChunks(boundary)) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      req.end();
    })().catch(reject);
  });
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  const expectedInvalid = Math.floor(ROWS / 200);
  for (const mode of ['dry run', 'into a task'] as const) {
    let query = 'dry_run=true';
    if (mode === 'into a task') {
      const task = await ctx.tasks.create(1, { type: 'invite_to_group', target_group: '@sandbox_marketing', priority: 'MEDIUM', platform: 'telegram', settings: {}, start: false } as never, 'import bench');
      query = `task_id=${task.id}`;
    }
    const boundary = `----bench${randomBytes(6).toString('hex')}`;
    global.gc?.();
    const before = process.memoryUsage();
    peakRss = before.rss;
    peakHeap = before.heapUsed;
    const started = Date.now();
    const res = await post(`/api/v1/invite/import/file?${query}`, boundary);
    const seconds = (Date.now() - started) / 1000;
    const body = res.body;
    console.log(`${mode}: HTTP ${res.statusCode}, ${body.total_rows} rows in ${seconds.toFixed(1)} s (${Math.round(body.total_rows / seconds)} rows/s); imported ${body.imported}, duplicates ${body.duplicates}, invalid ${body.invalid} (expected ${expectedInvalid})`);
    console.log(`  memory: RSS ${mb(before.rss)} before, peak ${mb(peakRss)}; JS heap ${mb(before.heapUsed)} before, peak ${mb(peakHeap)}`);
  }
  clearInterval(sampler);
  await app.close();
  await ctx.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
