/**
 * Open-loop load at a fixed rate, for the API benchmark's "p99 at 1,000 rps".
 *
 * Why not autocannon's `overallRate`: it gives each connection a budget per second and lets it spend the budget
 * back to back from the start of each second (a counter reset by a one-second interval), so "1,000 rps over 50
 * connections" is a burst of 1,000 closed-loop requests, 50 in flight, at the top of every second and then
 * silence. Its p99 is the latency of that burst, which is the saturated latency whenever the burst takes longer
 * than a few milliseconds to serve. A fixed rate means a request every 1/rate seconds, whether or not earlier ones
 * have been answered (as users' browsers do), with each latency measured from when the request was due to be sent,
 * not from when it went out (otherwise a stall of the server or of this process would delay the sending and hide
 * itself: "coordinated omission", the reason wrk2 exists).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface FixedRateResult {
  sent: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers other than 2xx, plus connection errors. */
  bad: number;
}

export async function fixedRate(opts: {
  url: string;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  connections: number;
}): Promise<FixedRateResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const target = new URL(opts.url);
  const total = Math.round(opts.rate * opts.seconds);
  const latencies = new Float64Array(total);
  let done = 0;
  let bad = 0;
  let sent = 0;
  const start = performance.now();

  const send = (due: number, i: number, finish: () => void) => {
    const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers: opts.headers }, (res) => {
      if (res.statusCode! < 200 || res.statusCode! >= 300) bad++;
      res.on('data', () => {});
      res.on('end', () => {
        latencies[i] = performance.now() - due;
        finish();
      });
    });
    req.on('error', () => {
      bad++;
      latencies[i] = performance.now() - due;
      finish();
    });
    req.end();
  };

  await new Promise<void>((resolve) => {
    const finish = () => {
      if (++done === total) resolve();
    };
    // Every millisecond (the timers' granularity), send whatever has fallen due since the last tick, each stamped
    // with the moment it was due.
    const tick = () => {
      const dueCount = Math.min(total, Math.floor(((performance.now() - start) * opts.rate) / 1000) + 1);
      while (sent < dueCount) {
        send(start + (sent * 1000) / opts.rate, sent, finish);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();

  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
  return { sent: total, p50: at(0.5), p99: at(0.99), max: at(1), bad };
}
