import { parse } from 'dotenv';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from './env-schema.js';
import { loadConfig } from './load-config.js';

const SECRETS = { JWT_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'b'.repeat(32), JWT_VERIFY_SECRET: 'c'.repeat(32) };
const warningsOf = (env: Record<string, string>) => loadConfig({ ...SECRETS, ...env }, { devSecrets: false }).warnings;
const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ ...SECRETS, ...env }, { devSecrets: false });
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('.env.example', () => {
  const lines = readFileSync('.env.example', 'utf8').split('\n');
  const assignments = lines.map((line) => line.replace(/^# /, '')).filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line));

  it('reads the same with dotenv and with docker run --env-file (split at the first =, nothing else) on every line', () => {
    expect(assignments.length).toBeGreaterThan(100);
    for (const line of assignments) {
      const name = line.slice(0, line.indexOf('='));
      const envFile = line.slice(line.indexOf('=') + 1);
      expect(parse(line)[name] ?? '', line).toBe(envFile);
    }
  });

  it('lists every variable the gateway reads', () => {
    const listed = new Set(assignments.map((line) => line.slice(0, line.indexOf('='))));
    expect(Object.keys(envSchema.shape).filter((name) => !listed.has(name))).toEqual([]);
  });
});

describe('values that cannot work', () => {
  const smtp = { MAIL_HOST: 'smtp.example.com' };
  it('MAIL_FROM: an address or Name <address>; quotes around the whole value (as --env-file passes them) are refused', () => {
    for (const from of ['no-reply@acme.test', 'Acme <no-reply@acme.test>', '"Acme, Inc." <no-reply@acme.test>']) expect(problemsOf({ ...smtp, MAIL_FROM: from }), from).toBe('');
    expect(problemsOf({ ...smtp, MAIL_FROM: '"Acme <no-reply@acme.test>"' })).toContain('MAIL_FROM: has quotes around the whole value');
    expect(problemsOf({ ...smtp, MAIL_FROM: 'Acme' })).toContain('MAIL_FROM: "Acme" is not an address or Name <address>');
    expect(problemsOf({ ...smtp, MAIL_FROM: 'Acme <not-an-address>' })).toContain('is not an address');
  });

  it('directories that do not exist: MAIL_TEMPLATES_DIR, and SQLITE_DB_PATH\'s', () => {
    expect(problemsOf({ MAIL_TEMPLATES_DIR: '/nonexistent/templates' })).toContain('MAIL_TEMPLATES_DIR: /nonexistent/templates is not a directory');
    expect(problemsOf({ SQLITE_DB_PATH: '/nonexistent/data/authura.db' })).toContain('SQLITE_DB_PATH: the directory /nonexistent/data does not exist');
    expect(problemsOf({ MAIL_TEMPLATES_DIR: 'templates', SQLITE_DB_PATH: ':memory:' })).toBe('');
  });

  it('a name close to a known one is warned about, with the one it likely means; others are left alone', () => {
    const warnings = warningsOf({ JWT_SECERT: 'x', MAIL_PORTT: '25', JWT_REFRESH_SECRET_PREVIOSU: 'y', HASURA_URl: 'z' });
    expect(warnings).toContain('JWT_SECERT is not a variable Authura knows and is ignored: did you mean JWT_SECRET?');
    expect(warnings).toContain('MAIL_PORTT is not a variable Authura knows and is ignored: did you mean MAIL_PORT?');
    expect(warnings).toContain('JWT_REFRESH_SECRET_PREVIOSU is not a variable Authura knows and is ignored: did you mean JWT_REFRESH_SECRET_PREVIOUS?');
    const quiet = warningsOf({ PATH: '/bin', HOME: '/root', HOSTNAME: 'box', NODE_OPTIONS: '--x', NODE_PATH: '/x', GITHUB_TOKEN: 't', MAIL_SIGNATURE: 'far from any', JWT_SECRET: 'a'.repeat(32) });
    expect(quiet.filter((w) => w.includes('not a variable Authura knows'))).toEqual([]);
  });
});
