import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchOutput } from './fixtures.js';
import { freePort } from './helpers/ports.js';

/** The checkout as a fresh clone has it (tracked and new files, no dist/), with this one's node_modules. */
function cloneOfCheckout(withModules: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'authura-clone-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    try {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(file, join(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted, not yet committed
    }
  }
  if (withModules) symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  else mkdirSync(join(dir, 'node_modules'));
  return dir;
}

/** `npm start` as an operator runs it, in `dir`, on a free port; resolves when it listens. */
async function npmStart(dir: string) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'authura-data-'));
  const child = spawn('npm', ['start'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), SQLITE_DB_PATH: join(data, 'a.db'), JWT_SECRETS_FILE: join(data, 's.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = watchOutput(child);
  await output.until('authura listening');
  return { child, output, port, data };
}

describe('npm start', () => {
  let clone: string;
  beforeAll(() => {
    clone = cloneOfCheckout(true);
  });
  afterAll(() => rmSync(clone, { recursive: true, force: true }));

  it('builds a fresh clone once, then starts without building; SIGTERM to npm stops the gateway', async () => {
    const first = await npmStart(clone);
    try {
      expect(first.output.text).toContain('authura: building dist/');
      expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
      const pid = Number(/"pid":(\d+)/.exec(first.output.text)?.[1]);
      // npm forwards the signal; the start script exec'd node, so it reaches the gateway.
      const exited = once(first.child, 'exit');
      first.child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(first.output.text).toContain('shutting down');
      expect(() => process.kill(pid, 0)).toThrow(); // the gateway is gone, not orphaned
      await expect(fetch(`http://127.0.0.1:${first.port}/healthz`)).rejects.toThrow();
    } finally {
      first.child.kill('SIGKILL');
      rmSync(first.data, { recursive: true, force: true });
    }

    // A current build is not rebuilt — also after a checkout reset the file times.
    const stamp = statSync(join(clone, 'dist', '.build-stamp')).mtimeMs;
    utimesSync(join(clone, 'src', 'main.ts'), new Date(), new Date(Date.now() + 60_000));
    const second = await npmStart(clone);
    try {
      expect(second.output.text).not.toContain('building');
      expect(statSync(join(clone, 'dist', '.build-stamp')).mtimeMs).toBe(stamp);
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
      rmSync(second.data, { recursive: true, force: true });
    }
  });

  it('rebuilds when a source changed', () => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: clone });
    const before = readFileSync(join(clone, 'dist', '.build-stamp'), 'utf8');
    writeFileSync(join(clone, 'src', 'main.ts'), `${readFileSync(join(clone, 'src', 'main.ts'), 'utf8')}\n// changed\n`);
    const rebuilt = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: clone, encoding: 'utf8' });
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.stderr).toContain('building dist/');
    expect(readFileSync(join(clone, 'dist', '.build-stamp'), 'utf8')).not.toBe(before);
  });

  it('without TypeScript (installed with --omit=dev): a current build starts as it is; none says what to do', () => {
    const bare = cloneOfCheckout(true);
    try {
      // Built, then the dev dependencies pruned (here: all of them): nothing to do, no TypeScript needed.
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: bare, stdio: 'ignore' });
      rmSync(join(bare, 'node_modules'));
      mkdirSync(join(bare, 'node_modules'));
      const current = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: bare, encoding: 'utf8' });
      expect(current).toMatchObject({ status: 0, stderr: '' });
      rmSync(join(bare, 'dist'), { recursive: true, force: true });
      const run = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: bare, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('dist/ is missing and TypeScript is not installed');
      expect(run.stderr).toContain('npm ci && npm run build && npm prune --omit=dev');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
