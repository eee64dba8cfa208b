import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from './helpers/test-app.js';
import { startHttpConnectProxy, type HttpConnectProxy } from './http-connect-proxy.js';
import { startTestDc, type TestDc } from './mtproto-dc/index.js';

/**
 * `npm run session` (scripts/create-session.ts), as an administrator runs it: its own process, answered over stdin,
 * GramJS's real client logging in to the loopback MTProto DC through a real HTTP proxy with a login, typed as a shop
 * lists it. The session it prints is then pasted into the service with the same proxy.
 */

/** Runs the script; answers each prompt as it appears; resolves with its exit code and what it printed. */
function runScript(args: string[], env: Record<string, string>, answers: Array<[RegExp, () => string]>) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/create-session.ts', ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const pending = [...answers];
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      while (pending.length && pending[0]![0].test(out)) {
        const [prompt, answer] = pending.shift()!;
        out = out.replace(prompt, (m) => `${m}⏎`);
        child.stdin.write(`${answer()}\n`);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('npm run session (the command-line login)', () => {
  let dc: TestDc;
  let http: HttpConnectProxy;
  let t: TestApp;

  beforeAll(async () => {
    dc = await startTestDc();
    http = await startHttpConnectProxy({ username: 'olga', password: 'q1w2' });
    t = await makeTestApp({ PLATFORM_MODE: 'telegram', ...dc.env() });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await http?.close();
    await dc?.close();
  });

  it('logs in through the proxy it is given and prints a session the service accepts through the same proxy', async () => {
    const phone = '+15557201';
    dc.world.addUser({ phone, username: 'cli_sender', firstName: 'Cli' });
    const proxy = `127.0.0.1:${http.port}:olga:q1w2`;
    const run = await runScript(['--proxy', proxy], dc.env(), [
      [/Phone number[^⏎]*$/, () => phone],
      [/Login code[^⏎]*$/, () => dc.world.lastCode(phone)!],
    ]);
    expect(run.code, `${run.out}\n${run.err}`).toBe(0);
    expect(run.out).toContain(`Through the proxy http://olga:•••@127.0.0.1:${http.port}`);
    const session = run.out.trim().split('\n').at(-1)!.trim();
    expect(session).toMatch(/^1[A-Za-z0-9+/=]{100,}$/);
    const dcPort = Number(new URL(`tcp://${dc.env().TELEGRAM_DC.split('@')[1]}`).port);
    expect(http.connections).toContainEqual({ host: '127.0.0.1', port: dcPort, username: 'olga' });

    const added = await t.api({ method: 'POST', url: '/api/v1/invite/accounts', payload: { label: 'Из консоли', session_string: session, proxy } });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json).toMatchObject({ tg_username: 'cli_sender', proxy: `http://olga:•••@127.0.0.1:${http.port}` });
  }, 90_000);

  it('says what is wrong with a proxy it cannot use, and that Telegram cannot be reached through one that is down', async () => {
    const bad = await runScript(['--proxy', 'https://127.0.0.1:443'], dc.env(), []);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^proxy: a proxy reached over TLS \(https:\/\/\) is not supported/);
    const down = await runScript(['--proxy', 'socks5://127.0.0.1:9'], dc.env(), []);
    expect(down.code, down.out).toBe(1);
    expect(down.err).toContain('Telegram could not be reached through the proxy.');
  }, 90_000);
});
