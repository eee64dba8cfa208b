/**
 * CI check: fails when a file tracked by git (git ls-files) holds a private key or a secret value — a PEM private
 * key, a generated dev-secrets file, a JWT secret or session key written out literally, a cloud or GitHub token.
 * Run from .ci/run before the tests: `npx tsx scripts/check-no-secrets.ts [repository root]`.
 *
 * A line that must hold such a text on purpose (there should be none) can say `check-no-secrets: allow`.
 * Test keys are generated at run time (test/mtproto-dc creates its RSA key when it starts), never committed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Finding {
  file: string;
  line: number;
  rule: string;
}

const RULES: Array<{ rule: string; pattern: RegExp }> = [
  { rule: 'PEM private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { rule: 'JWT secret value', pattern: /["']?(?:jwtSecret|jwt_secret)["']?\s*[:=]\s*["'][^"'\s$]{16,}["']/i },
  { rule: 'JWT secret value', pattern: /^\s*(?:export\s+)?JWT_SECRET\s*[:=]\s*["']?[A-Za-z0-9+/=_-]{16,}["']?\s*$/ },
  { rule: 'session key value', pattern: /["']?(?:sessionKey|session_key|sessionEncryptionKey|SESSION_ENCRYPTION_KEY)["']?\s*[:=]\s*["']?[0-9a-fA-F]{64}\b/ },
  { rule: 'AWS access key', pattern: /\bAKIA[0-9A-Z]{16}\b/ },
  { rule: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { rule: 'Slack token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/ },
];

/** File names that are secrets whatever they hold. */
const SECRET_FILES = [/(^|\/)dev-secrets[^/]*\.json$/i, /(^|\/)\.env(\.[^/]*)?$/, /(^|\/)memory:/, /\.(pem|key|p12|pfx)$/i];
const ALLOW = 'check-no-secrets: allow';

/** What a file's name and text give away (binary files are skipped). */
export function scanText(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  for (const name of SECRET_FILES) if (name.test(file)) found.push({ file, line: 0, rule: `secret file name (${name.source})` });
  if (text.slice(0, 8000).includes('\u0000')) return found;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.includes(ALLOW)) return;
    for (const { rule, pattern } of RULES) {
      if (pattern.test(line)) {
        found.push({ file, line: i + 1, rule });
        break;
      }
    }
  });
  return found;
}

/** Scans every file git tracks under `root`. */
export function scanRepository(root: string): Finding[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);
  const found: Finding[] = [];
  for (const file of files) {
    const path = join(root, file);
    let text = '';
    try {
      if (statSync(path).size <= 5 * 1024 * 1024) text = readFileSync(path, 'utf8');
    } catch {
      // Tracked but deleted in the working tree: only its name is checked.
    }
    found.push(...scanText(file, text));
  }
  return found;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? '.');
  const found = scanRepository(root);
  if (found.length) {
    console.error(`check-no-secrets: ${found.length} committed secret(s) found; remove them (git rm --cached) and rotate them:`);
    for (const f of found) console.error(`  ${f.file}${f.line ? `:${f.line}` : ''}  ${f.rule}`);
    process.exit(1);
  }
  console.log('check-no-secrets: no keys or secrets in the files git tracks.');
}
