import 'dotenv/config';
import { once } from 'node:events';
import { createBackend } from '../backends/create-backend.js';
import { loadUsersToolConfig } from '../config/load-config.js';
import { createLogger } from '../core/logger.js';
import { createHookClient } from '../hooks/hook-client.js';
import { exportUsers } from '../users/export.js';
import { importUsers, readRows } from '../users/import.js';

const USAGE = `usage: npm run users -- import FILE [--dry-run] [--on-conflict=skip|update] [--with-hooks]
       npm run users -- export [--tenant T] [--format json|jsonl]`;

/** Writes to stdout, waiting when its buffer is full (an export of millions of users). */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

/**
 * `npm run users`: import users (Hanko's format, extended; README, Migrating users) or export
 * them. Reads only the backend's and the hooks' variables; the report (import) or the users
 * (export) go to stdout, problems to stderr.
 */
async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const flag = (name: string) => rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? (rest.includes(`--${name}`) ? rest[rest.indexOf(`--${name}`) + 1] : undefined);
  const config = loadUsersToolConfig(process.env);
  const logger = createLogger('warn', (line) => void process.stderr.write(line));
  const backend = await createBackend(config.backend, logger);
  try {
    if (command === 'import') {
      const file = rest.find((a) => !a.startsWith('--'));
      const onConflict = flag('on-conflict') ?? 'skip';
      if (file === undefined || (onConflict !== 'skip' && onConflict !== 'update')) throw new Error(USAGE);
      const counts = await importUsers(() => readRows(file), {
        backend,
        hooks: rest.includes('--with-hooks') ? createHookClient(config.hooks) : undefined,
        firebase: config.firebase,
        defaultRole: config.defaultRole,
        dryRun: rest.includes('--dry-run'),
        onConflict,
        now: () => new Date(),
        report: (line) => void process.stdout.write(`${JSON.stringify(line)}\n`),
      });
      process.stdout.write(`${JSON.stringify({ summary: counts, dry_run: rest.includes('--dry-run') })}\n`);
      return counts.refused > 0 ? 2 : 0;
    }
    if (command === 'export') {
      const format = flag('format') ?? 'json';
      if (format !== 'json' && format !== 'jsonl') throw new Error(USAGE);
      const tenant = flag('tenant');
      const count = await exportUsers(backend, { tenantId: tenant, format, now: () => new Date(), write });
      process.stderr.write(`exported ${count} users\n`);
      return 0;
    }
    throw new Error(USAGE);
  } finally {
    await backend.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
