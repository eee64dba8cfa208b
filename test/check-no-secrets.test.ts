import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { scanRepository, scanText } from '../scripts/check-no-secrets.js';

// Every secret here is made at run time, so this file itself never trips the check.
const hex64 = () => randomBytes(32).toString('hex');
const devSecrets = () => JSON.stringify({ jwtSecret: hex64(), sessionKey: hex64() });
const pem = () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-check-'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  execFileSync('git', ['add', '-A'], { cwd: dir });
  return dir;
}

describe('the committed-secrets check', () => {
  it('finds the generated dev secrets, PEM private keys and literal secret values', () => {
    expect(scanText('memory:/dev-secrets.json', devSecrets()).map((f) => f.rule)).toEqual(
      expect.arrayContaining([expect.stringMatching(/secret file name/), 'JWT secret value']),
    );
    expect(scanText('config/settings.json', devSecrets()).map((f) => f.rule)).toEqual(['JWT secret value']);
    expect(scanText('keys/test.txt', `header\n${pem()}`)).toEqual([{ file: 'keys/test.txt', line: 2, rule: 'PEM private key' }]);
    expect(scanText('deploy/.env.example', '')).toHaveLength(1);
    expect(scanText('x.yml', `environment:\n  SESSION_ENCRYPTION_KEY: ${hex64()}\n`)[0]?.rule).toBe('session key value');
    expect(scanText('run.sh', `export JWT_SECRET=${randomBytes(24).toString('base64url')}\n`)[0]?.rule).toBe('JWT secret value');
  });

  it('leaves code that reads or generates secrets alone', () => {
    const code = [
      "JWT_SECRET: randomBytes(16).toString('hex'),",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose-file line, not a template
      'JWT_SECRET: ${JWT_SECRET:?set JWT_SECRET}',
      'return { jwtSecret: saved.jwtSecret, sessionEncryptionKey: config.sessionEncryptionKey ?? saved.sessionKey };',
      '-----BEGIN PUBLIC KEY-----',
      'Usage: JWT_SECRET=$(openssl rand -hex 32) docker compose up',
    ].join('\n');
    expect(scanText('src/x.ts', code)).toEqual([]);
  });

  it('fails a repository that tracks a secret and passes one that does not', () => {
    const bad = repo({ 'src/a.ts': 'export const a = 1;\n', 'memory:/dev-secrets.json': devSecrets(), 'certs/server.txt': pem() });
    const good = repo({ 'src/a.ts': 'export const a = 1;\n', 'README.md': 'Set JWT_SECRET in the environment.\n' });
    try {
      expect([...new Set(scanRepository(bad).map((f) => f.file))].sort()).toEqual(['certs/server.txt', 'memory:/dev-secrets.json']);
      expect(scanRepository(good)).toEqual([]);
      expect(() => execFileSync('npx', ['tsx', 'scripts/check-no-secrets.ts', bad], { stdio: 'pipe' })).toThrow();
      expect(execFileSync('npx', ['tsx', 'scripts/check-no-secrets.ts', good], { encoding: 'utf8' })).toMatch(/no keys or secrets/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
      rmSync(good, { recursive: true, force: true });
    }
  });

  it('passes on this repository', () => {
    expect(scanRepository(process.cwd())).toEqual([]);
  });
});
