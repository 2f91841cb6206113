import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/rate-limit/redis-store.js';
import { type ListeningGateway, startGateway, watchOutput } from '../fixtures.js';
import { freePort } from '../helpers/ports.js';
import { gatewayLimitCases } from '../limits/gateway-cases.js';
import { limitsCases, rateStoreCases } from '../limits/store-cases.js';

/** A real redis-server (Debian's), started and stopped by the test. */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await watchOutput(redis).until('Ready to accept connections');
  return redis;
}

async function stop(redis: ChildProcess) {
  redis.kill('SIGTERM');
  await once(redis, 'exit');
}

// The cases every store passes (the memory store runs them in src/rate-limit/store.test.ts).
let shared: { port: number; redis: ChildProcess };
beforeAll(async () => {
  const port = await freePort();
  shared = { port, redis: await startRedis(port) };
});
afterAll(() => stop(shared.redis));
const openShared = async (clock: Parameters<typeof createRedisStore>[1]['clock']) =>
  createRedisStore(`redis://127.0.0.1:${shared.port}`, { timeoutMs: 2000, clock });
rateStoreCases('Redis', openShared);
limitsCases('Redis', openShared);
gatewayLimitCases('Redis', () => ({ RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${shared.port}` }));

describe('the Redis rate-limit store shared by two instances', () => {
  let port: number;
  let redis: ChildProcess;
  let a: ListeningGateway;
  let b: ListeningGateway;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    const env = { RATE_PER_MINUTE: '4', RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${port}`, BACKEND_TIMEOUT: '1s' };
    a = await startGateway(env);
    b = await startGateway({ ...env, SQLITE_DB_PATH: a.dbPath }, { smtp: a.smtp });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    if (redis.exitCode === null) await stop(redis);
  });

  it('counts one client across both instances', async () => {
    expect((await a.call('/form')).headers.get('ratelimit-remaining')).toBe('3');
    expect((await b.call('/form')).headers.get('ratelimit-remaining')).toBe('2');
    expect((await a.call('/form')).status).toBe(200);
    expect((await b.call('/form')).status).toBe(200);
    const limited = await a.call('/form');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await b.call('/form')).status).toBe(429);
  });

  it('fails closed with a 503 while Redis is down, and recovers when it is back', async () => {
    await stop(redis);
    const down = await a.call('/user');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: 'rate_limit_unavailable' });
    expect((await a.call('/healthz')).status).toBe(200);
    // Every sign-in needs the counters: not ready while Redis is down.
    const readiness = await b.call('/readyz');
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: 'unavailable', failing: 'redis' });
    redis = await startRedis(port);
    // ioredis reconnects on its own schedule (an outside process's time): polled, with a bound.
    await expect.poll(async () => (await a.call('/user')).status, { timeout: 10_000, interval: 250 }).toBe(401); // through the limiter again
  });
});
