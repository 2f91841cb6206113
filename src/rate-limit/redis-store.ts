import { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import { type AttemptResult, RateStoreError, type RateStore } from './store.js';

/**
 * Shared by every script: a counter is a hash {c = count, r = when its window ends, in the
 * gateway's milliseconds}; Redis's own expiry only collects it after that.
 */
const COUNTERS = `
local function live(key, now)
  local v = redis.call('HMGET', key, 'c', 'r')
  if v[1] and tonumber(v[2]) > now then return tonumber(v[1]), tonumber(v[2]) end
  return 0, nil
end
local function add(key, now, window)
  local c, r = live(key, now)
  if r == nil then r = now + window end
  c = c + 1
  redis.call('HSET', key, 'c', c, 'r', r)
  redis.call('PEXPIRE', key, r - now + 1000)
  return c, r
end
local function set(key, now, ms)
  redis.call('HSET', key, 'c', 1, 'r', now + ms)
  redis.call('PEXPIRE', key, ms + 1000)
end
`;

/** KEYS[1]; ARGV: now, window. */
const HIT = `${COUNTERS}
local c, r = add(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return {c, r - tonumber(ARGV[1])}`;

/** KEYS: the buckets; ARGV: now, then window and limit of each. */
const TAKE = `${COUNTERS}
local now = tonumber(ARGV[1])
local wait = -1
for i, key in ipairs(KEYS) do
  local c, r = live(key, now)
  if r ~= nil and c >= tonumber(ARGV[2 * i + 1]) and r - now > wait then wait = r - now end
end
if wait >= 0 then return wait end
for i, key in ipairs(KEYS) do add(key, now, tonumber(ARGV[2 * i])) end
return -1`;

/** KEYS: counters; ARGV: now. */
const GIVE = `${COUNTERS}
local now = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local c, r = live(key, now)
  if r ~= nil and c > 0 then redis.call('HSET', key, 'c', c - 1) end
end
return 0`;

/**
 * KEYS: block, failures[, account]; ARGV: now, failure window, free attempts, max backoff
 * [, account window, account limit]. Answers {0, 'backoff'|'account', ms} or {1}.
 */
const ATTEMPT = `${COUNTERS}
local now = tonumber(ARGV[1])
local _, blocked = live(KEYS[1], now)
if blocked ~= nil then return {0, 'backoff', blocked - now} end
if KEYS[3] then
  local c, r = live(KEYS[3], now)
  if r ~= nil and c >= tonumber(ARGV[6]) then return {0, 'account', r - now} end
end
local over = add(KEYS[2], now, tonumber(ARGV[2])) - tonumber(ARGV[3])
if over > 0 then set(KEYS[1], now, math.min(tonumber(ARGV[4]), 1000 * 2 ^ math.min(over - 1, 30))) end
if KEYS[3] then add(KEYS[3], now, tonumber(ARGV[5])) end
return {1}`;

/**
 * Counters in Redis (RATE_LIMIT_REDIS_URL), shared by every instance; each operation is one Lua
 * script, so it is atomic across instances. A call waits for a (re)connection at most
 * `timeoutMs` (commandTimeout), then fails: the caller fails closed.
 */
export function createRedisStore(url: string, options: { timeoutMs: number; clock: Clock; prefix?: string }): RateStore {
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
  const run = async (script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> => {
    try {
      return await redis.eval(script, keys.length, ...keys.map((k) => prefix + k), String(options.clock.now()), ...args.map(String));
    } catch (error) {
      throw new RateStoreError(error);
    }
  };
  return {
    async hit(key, windowMs) {
      const [count, resetMs] = (await run(HIT, [key], [windowMs])) as [number, number];
      return { count, resetMs };
    },
    async take(buckets) {
      if (buckets.length === 0) return null;
      const wait = (await run(TAKE, buckets.map((b) => b.key), buckets.flatMap((b) => [b.windowMs, b.limit]))) as number;
      return wait < 0 ? null : wait;
    },
    async give(keys) {
      if (keys.length > 0) await run(GIVE, keys, []);
    },
    async attempt(request) {
      const { account } = request;
      const keys = [request.block, request.failures, ...(account ? [account.key] : [])];
      const args = [request.failureWindowMs, request.freeAttempts, request.maxBackoffMs, ...(account ? [account.windowMs, account.limit] : [])];
      const [allowed, reason, resetMs] = (await run(ATTEMPT, keys, args)) as [number, 'backoff' | 'account', number];
      return (allowed === 1 ? { allowed: true } : { allowed: false, reason, resetMs }) satisfies AttemptResult;
    },
    async delete(keys) {
      if (keys.length === 0) return;
      try {
        await redis.del(...keys.map((k) => prefix + k));
      } catch (error) {
        throw new RateStoreError(error);
      }
    },
    async ping() {
      try {
        await redis.ping();
      } catch (error) {
        throw new RateStoreError(error);
      }
    },
    close: async () => {
      redis.disconnect();
    },
  };
}
