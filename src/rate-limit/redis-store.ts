import { Redis } from 'ioredis';
import { RateStoreError, type Counter, type RateStore } from './store.js';

/** INCR and, for a new key, PEXPIRE, in one atomic step; returns the count and the TTL. */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;


/**
 * Counters in Redis (RATE_LIMIT_REDIS_URL), shared by every instance. A call waits for a
 * (re)connection at most `timeoutMs` (commandTimeout), then fails: the caller fails closed.
 */
export function createRedisStore(url: string, options: { timeoutMs: number; prefix?: string }): RateStore {
  const prefix = options.prefix ?? 'authura:rl:';
  const redis = new Redis(url, {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface on the commands; the client keeps reconnecting by itself.
  redis.on('error', () => {});
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new RateStoreError(error);
    }
  };
  return {
    increment: (key, windowMs) =>
      run(async () => {
        const [count, ttl] = (await redis.eval(INCREMENT, 1, prefix + key, String(windowMs))) as [number, number];
        return { count, resetMs: ttl };
      }),
    get: (key) =>
      run(async () => {
        const [count, ttl] = await redis.multi().get(prefix + key).pttl(prefix + key).exec().then((results) => {
          if (!results) throw new Error('Redis transaction aborted');
          return results.map(([error, value]) => {
            if (error) throw error;
            return value;
          }) as [string | null, number];
        });
        return count === null || ttl < 0 ? null : ({ count: Number(count), resetMs: ttl } satisfies Counter);
      }),
    delete: (key) => run(async () => void (await redis.del(prefix + key))),
    close: async () => {
      redis.disconnect();
    },
  };
}
