import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';

/** A real redis-server (Debian's), started and stopped by the test. */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  redis.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; i < 100 && !/Ready to accept connections/.test(output); i++) await new Promise((r) => setTimeout(r, 50));
  if (!/Ready to accept connections/.test(output)) throw new Error(`redis-server did not start: ${output}`);
  return redis;
}

async function stop(redis: ChildProcess) {
  redis.kill('SIGTERM');
  await once(redis, 'exit');
}

describe('the Redis rate-limit store shared by two instances', () => {
  let port: number;
  let redis: ChildProcess;
  let a: TestGateway;
  let b: TestGateway;
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
    redis = await startRedis(port);
    let status = 0;
    for (let i = 0; i < 40 && status !== 401; i++) {
      status = (await a.call('/user')).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401); // through the limiter again, to the route's own answer
  });
});
