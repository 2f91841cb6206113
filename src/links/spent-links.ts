import type { UserBackend } from '../backends/types.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { SpentLinks } from './types.js';

/** The backend's own table (its `spendOnce` capability). */
function backendSpentLinks(backend: UserBackend): SpentLinks {
  const { spendLink, unspendLink } = backend;
  if (!spendLink || !unspendLink) throw new Error(`the ${backend.kind} backend keeps no spent links`);
  return {
    kind: 'backend',
    spend: (jti, expiresAt) => spendLink.call(backend, jti, expiresAt),
    unspend: (jti) => unspendLink.call(backend, jti),
    close: async () => {},
  };
}

/** This process's memory: for a single process only (the start warns). */
function memorySpentLinks(clock: Clock): SpentLinks {
  const spent = new Map<string, number>();
  const sweep = setInterval(() => {
    const now = clock.now() / 1000;
    for (const [jti, expiresAt] of spent) if (expiresAt < now) spent.delete(jti);
  }, 60_000);
  sweep.unref();
  return {
    kind: 'memory',
    async spend(jti, expiresAt) {
      if (spent.has(jti)) return false;
      spent.set(jti, expiresAt);
      return true;
    },
    async unspend(jti) {
      spent.delete(jti);
    },
    async close() {
      clearInterval(sweep);
    },
  };
}

/**
 * The store mailed links are spent in: the backend's table when it has one, else Redis when
 * RATE_LIMIT_REDIS_URL is set, else this process's memory — which several processes cannot
 * share, so it is refused with WORKERS > 1 and warned about otherwise.
 */
export async function chooseSpentLinks(options: {
  backend: UserBackend;
  redisUrl: string | undefined;
  workers: number;
  timeoutMs: number;
  clock: Clock;
  /** What cannot do with this process's memory (a feature that counts in the store), when something cannot. */
  memoryRefused?: string | undefined;
  warn(message: string): void;
}): Promise<SpentLinks> {
  const capable = await options.backend.capabilities().then(
    (capabilities) => capabilities.spendOnce,
    // The store cannot be asked at start: links are spent in Redis or memory until a restart.
    () => false,
  );
  if (capable) return backendSpentLinks(options.backend);
  if (options.redisUrl !== undefined) return (await import('./redis-spent-links.js')).redisSpentLinks(options.redisUrl, options.timeoutMs);
  const fix = 'run npm run migrate (Postgres), track the authura_spent_links table (Hasura), set HTTP_SPENT_LINKS_URL (http) or RATE_LIMIT_REDIS_URL';
  if (options.workers > 1) throw new Error(`WORKERS > 1 needs a shared store for used links, and the ${options.backend.kind} backend has none: ${fix}`);
  if (options.memoryRefused !== undefined) {
    throw new Error(`${options.memoryRefused} needs a shared spend-once store (its codes and their tries are counted there), and the ${options.backend.kind} backend has none: ${fix}`);
  }
  options.warn(`used mailed links are remembered in this process only (the ${options.backend.kind} backend keeps none): a restart forgets them; ${fix}`);
  return memorySpentLinks(options.clock);
}

/** The error a link already used (or never valid here) is refused with. */
export function usedLink(): AppError {
  return new AppError('invalid_token', 'This link has already been used or is no longer valid');
}
