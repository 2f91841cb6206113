import { describe, expect, it } from 'vitest';
import { BackendError, type UserBackend } from '../backends/types.js';
import { createLogger } from '../core/logger.js';
import { checkMail, StartupError, waitForBackend } from './startup.js';

/** A backend whose ping answers with `outcomes` in turn (then succeeds), on a clock moved by the waits. */
function scripted(outcomes: (BackendError | 'ok')[]) {
  let time = 0;
  const slept: number[] = [];
  const pings = { count: 0 };
  const backend = {
    kind: 'postgres',
    async ping() {
      const next = outcomes[pings.count++] ?? 'ok';
      if (next !== 'ok') throw next;
    },
    capabilities: async () => ({ conditionalUpdate: true, spendOnce: true, sessionVersion: true }),
  } as unknown as UserBackend;
  const options = {
    timeoutMs: 3000,
    clock: { now: () => time },
    logger: createLogger('silent'),
    sleep: async (ms: number) => {
      slept.push(ms);
      time += ms;
    },
  };
  return { backend, options, slept, pings };
}

describe('waiting for the backend at start', () => {
  it('retries what may pass (refused connections, timeouts) with a growing pause, and goes on once it answers', async () => {
    const { backend, options, slept } = scripted([new BackendError('unavailable', 'POSTGRES_DSN: connection refused'), new BackendError('timeout', 'slow'), new BackendError('unavailable', 'x')]);
    await waitForBackend(backend, options);
    expect(slept).toEqual([250, 500, 1000]);
  });

  it('ends at once on what waiting cannot fix, naming it', async () => {
    const { backend, options, slept } = scripted([new BackendError('refused', 'POSTGRES_DSN: password authentication failed for user "authura"')]);
    const failed = await waitForBackend(backend, options).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(StartupError);
    expect((failed as Error).message).toBe('the postgres backend cannot be used: POSTGRES_DSN: password authentication failed for user "authura"');
    expect(slept).toEqual([]);
  });

  it('gives up at STARTUP_TIMEOUT with the last cause', async () => {
    const down = new BackendError('unavailable', 'POSTGRES_DSN: connection refused at 10.0.0.5:5432');
    const { backend, options, slept } = scripted(Array(50).fill(down));
    const failed = await waitForBackend(backend, options).catch((error: unknown) => error);
    expect((failed as Error).message).toBe('the postgres backend did not answer within STARTUP_TIMEOUT (3 s): POSTGRES_DSN: connection refused at 10.0.0.5:5432');
    expect(slept).toEqual([250, 500, 1000]); // 1750 ms waited; the next pause (2 s) would pass 3 s
  });
});

describe('checking the mail server at start', () => {
  const mailer = (check: Awaited<ReturnType<Parameters<typeof checkMail>[0]['verify']>>) => ({ send: async () => {}, verify: async () => check, close() {} });
  const run = async (check: Parameters<typeof mailer>[0], production: boolean) => {
    const lines: string[] = [];
    const up: boolean[] = [];
    const outcome = await checkMail(mailer(check), { production, logger: createLogger('warn', (line) => lines.push(line)), up: (ok) => up.push(ok) }).then(
      () => 'started',
      (error: Error) => error.message,
    );
    return { outcome, warned: lines.length, up };
  };

  it('refuses, in production only, credentials or a host the server refuses; a server that does not answer is a warning', async () => {
    const auth = { ok: false, reason: 'auth', message: 'Invalid login: 535 Authentication failed' } as const;
    const dns = { ok: false, reason: 'dns', message: 'getaddrinfo ENOTFOUND smtp.example.invalid' } as const;
    const timeout = { ok: false, reason: 'unreachable', message: 'Connection timeout' } as const;
    expect(await run(auth, true)).toEqual({ outcome: 'the mail server cannot be used (MAIL_USER / MAIL_PASS): Invalid login: 535 Authentication failed', warned: 0, up: [false] });
    expect((await run(dns, true)).outcome).toContain('(MAIL_HOST / MAIL_PORT): getaddrinfo ENOTFOUND');
    expect(await run(timeout, true)).toEqual({ outcome: 'started', warned: 1, up: [false] });
    expect(await run(auth, false)).toEqual({ outcome: 'started', warned: 1, up: [false] });
    expect(await run({ ok: true }, true)).toEqual({ outcome: 'started', warned: 0, up: [true] });
  });
});
