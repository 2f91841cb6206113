import { type ChildProcess, fork } from 'node:child_process';
import { START_ENV, START_FLAGS } from './start-script.js';

/** The user bench/gateway-server.mjs seeds. */
export const BENCH_USER = { email: 'bench@example.com', password: 'Bench-Pass-123!' };

/**
 * The compiled gateway in its own process (bench/gateway-server.mjs), with `npm start`'s flags
 * and environment defaults, bench secrets, no rate limit and `env` on top; resolves with its URL.
 */
export async function forkBenchGateway(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = fork('bench/gateway-server.mjs', [], {
    execArgv: (process.env.BENCH_NODE_FLAGS ?? START_FLAGS).split(' ').filter(Boolean),
    env: {
      PATH: process.env.PATH,
      JWT_SECRET: 'bench-access-secret-0123456789abcdef',
      JWT_REFRESH_SECRET: 'bench-refresh-secret-0123456789abcdef',
      JWT_VERIFY_SECRET: 'bench-verify-secret-0123456789abcdef',
      RATE_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      HASH_QUEUE_LIMIT: '100000',
      BENCH_EMAIL: BENCH_USER.email,
      BENCH_PASSWORD: BENCH_USER.password,
      ...START_ENV,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
  return { child, url: `http://127.0.0.1:${port}` };
}
