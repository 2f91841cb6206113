import { Redis } from 'ioredis';
import { BackendError } from '../backends/types.js';
import type { SpentLinks } from './types.js';

/** Used links in Redis (RATE_LIMIT_REDIS_URL), shared by every instance: SET NX with the link's lifetime. */
export function redisSpentLinks(url: string, timeoutMs: number, prefix = 'authura:spent:'): SpentLinks {
  const redis = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 1, commandTimeout: timeoutMs, connectTimeout: timeoutMs, lazyConnect: false });
  // Connection errors surface on the commands; the client keeps reconnecting by itself.
  redis.on('error', () => {});
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new BackendError('unavailable', 'The store of used links (Redis) is unavailable', { cause: error });
    }
  };
  return {
    kind: 'redis',
    spend: (jti, expiresAt) =>
      run(async () => {
        const ttlMs = Math.max(1000, expiresAt * 1000 - Date.now());
        return (await redis.set(prefix + jti, '1', 'PX', ttlMs, 'NX')) === 'OK';
      }),
    unspend: (jti) => run(async () => void (await redis.del(prefix + jti))),
    close: async () => {
      redis.disconnect();
    },
  };
}
