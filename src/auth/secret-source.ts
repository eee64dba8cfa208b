import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { AppConfig } from '../config/config.js';

export interface ResolvedSecrets {
  jwtSecret: string;
  sessionEncryptionKey?: string;
  source: 'env' | 'file' | 'vault' | 'generated-dev';
}

/** Vault AppRole login followed by a KV v2 read; the secret document holds jwt_secret (and optionally session_key). */
async function readFromVault(vault: NonNullable<AppConfig['vault']>): Promise<Record<string, string>> {
  if (!vault.roleId || !vault.secretId) throw new Error('VAULT_ADDR is set but VAULT_ROLE_ID / VAULT_SECRET_ID are missing');
  const login = await fetch(new URL('/v1/auth/approle/login', vault.addr), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role_id: vault.roleId, secret_id: vault.secretId }),
  });
  if (!login.ok) throw new Error(`Vault AppRole login failed with HTTP ${login.status}`);
  const token = ((await login.json()) as { auth?: { client_token?: string } }).auth?.client_token;
  if (!token) throw new Error('Vault AppRole login returned no client token');
  const read = await fetch(new URL(`/v1/${vault.kvPath.replace(/^\//, '')}`, vault.addr), {
    headers: { 'X-Vault-Token': token },
  });
  if (!read.ok) throw new Error(`Vault KV read of ${vault.kvPath} failed with HTTP ${read.status}`);
  const body = (await read.json()) as { data?: { data?: Record<string, string> } };
  return body.data?.data ?? {};
}

let inMemoryDevSecrets: { jwtSecret: string; sessionKey: string } | undefined;

/** PGlite's in-memory data directories (`memory://`, `memory:`): nothing of them may be written to disk. */
export function isEphemeralDataDir(dir: string): boolean {
  return /^memory:/i.test(dir.trim());
}

/**
 * Where the signing secret comes from, in order: JWT_SECRET, JWT_SECRET_FILE, Vault.
 * Outside production, with none configured, a random secret is generated once and kept beside
 * the embedded database so dev tokens survive restarts (kept in memory only when the database is `memory://`).
 * Production refuses to start without one.
 */
export async function resolveSecrets(config: AppConfig): Promise<ResolvedSecrets> {
  if (config.jwt.secret) return { jwtSecret: config.jwt.secret, sessionEncryptionKey: config.sessionEncryptionKey, source: 'env' };
  if (config.jwt.secretFile) {
    const jwtSecret = (await readFile(config.jwt.secretFile, 'utf8')).trim();
    if (!jwtSecret) throw new Error(`JWT_SECRET_FILE ${config.jwt.secretFile} is empty`);
    return { jwtSecret, sessionEncryptionKey: config.sessionEncryptionKey, source: 'file' };
  }
  if (config.vault) {
    const doc = await readFromVault(config.vault);
    if (!doc.jwt_secret) throw new Error(`Vault secret ${config.vault.kvPath} has no jwt_secret field`);
    return { jwtSecret: doc.jwt_secret, sessionEncryptionKey: doc.session_key ?? config.sessionEncryptionKey, source: 'vault' };
  }
  if (config.production) throw new Error('No JWT secret configured: set JWT_SECRET, JWT_SECRET_FILE or VAULT_ADDR');
  if (isEphemeralDataDir(config.pgliteDataDir)) {
    // A throw-away database keeps its secrets in this process's memory: never on disk (a "memory:" folder in the
    // working tree once got a generated secret committed), and gone with the process like the data.
    inMemoryDevSecrets ??= { jwtSecret: randomBytes(32).toString('hex'), sessionKey: randomBytes(32).toString('hex') };
    return {
      jwtSecret: inMemoryDevSecrets.jwtSecret,
      sessionEncryptionKey: config.sessionEncryptionKey ?? inMemoryDevSecrets.sessionKey,
      source: 'generated-dev',
    };
  }
  const file = `${config.pgliteDataDir}/dev-secrets.json`;
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { jwtSecret: string; sessionKey: string };
    return { jwtSecret: saved.jwtSecret, sessionEncryptionKey: config.sessionEncryptionKey ?? saved.sessionKey, source: 'generated-dev' };
  } catch {
    const saved = { jwtSecret: randomBytes(32).toString('hex'), sessionKey: randomBytes(32).toString('hex') };
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(saved), { mode: 0o600 });
    return { jwtSecret: saved.jwtSecret, sessionEncryptionKey: config.sessionEncryptionKey ?? saved.sessionKey, source: 'generated-dev' };
  }
}
