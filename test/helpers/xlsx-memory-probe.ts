/**
 * Measures one .xlsx import's memory in a process of its own (node --expose-gc), so nothing else the test runner
 * holds or collects blurs the figure. Prints {status, message, peak_mb} (RSS) and heap_mb (JS heap + buffers).
 */
import { makeTestApp } from './test-app.js';
import { multipartBody } from './multipart.js';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const file = process.argv[2]!;
// The workbook was built by the caller: building it here would leave garbage that hides the import's own memory.
const wb = readFileSync(file);
const mode = basename(file, '.xlsx');
const t = await makeTestApp();
const body = multipartBody(`${mode}.xlsx`, wb);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
await new Promise((r) => setTimeout(r, 100));
gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const heapBefore = used();
let heapPeak = heapBefore;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
  heapPeak = Math.max(heapPeak, used());
}, 2);
const res = await t.api({ method: 'POST', url: '/api/v1/invite/import/file?dry_run=true', payload: body.payload, headers: body.headers });
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    status: res.statusCode,
    message: res.json?.message ?? null,
    total_rows: res.json?.total_rows ?? null,
    zip_bytes: wb.length,
    peak_mb: Math.round((peak - before) / 1024 / 1024),
    heap_mb: Math.round((heapPeak - heapBefore) / 1024 / 1024),
  }),
);
await t.close();
