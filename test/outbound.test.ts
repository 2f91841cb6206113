import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundError, send } from '../src/core/outbound.js';
import { json, startFakeServer } from './fakes.js';

// The one way out to HTTP, against a real server: deadline, redirects, size, no answer.
let server: Awaited<ReturnType<typeof startFakeServer>>;
let elsewhere: Awaited<ReturnType<typeof startFakeServer>>;
beforeAll(async () => {
  elsewhere = await startFakeServer({ 'GET /secret': (_call, res) => json(res, 200, { followed: true }) });
  server = await startFakeServer({
    'GET /ok': (_call, res) => json(res, 201, { ok: true }),
    'GET /moved': (_call, res) => void res.writeHead(302, { location: `${elsewhere.url}/secret` }).end(),
    'GET /big': (_call, res) => void res.end('x'.repeat(2048)),
    'GET /big-declared': (_call, res) => void res.writeHead(200, { 'content-length': '4096' }).end('x'.repeat(4096)),
  });
});
afterAll(async () => {
  await server.close();
  await elsewhere.close();
});

const failure = (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error as OutboundError);

describe('send', () => {
  it('answers with any status and the whole body', async () => {
    const answer = await send(`${server.url}/ok`, { timeoutMs: 2000 });
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text)).toEqual({ ok: true });
  });

  it('never follows a redirect: the 3xx is the answer, and the other server hears nothing', async () => {
    const answer = await send(`${server.url}/moved`, { timeoutMs: 2000, headers: { authorization: 'Bearer our-credential' } });
    expect(answer.status).toBe(302);
    expect(elsewhere.calls).toHaveLength(0);
  });

  it('refuses an answer larger than the bound, declared or streamed', async () => {
    for (const path of ['/big', '/big-declared']) {
      const error = await failure(send(`${server.url}${path}`, { timeoutMs: 2000, maxBytes: 1024 }));
      expect(error).toBeInstanceOf(OutboundError);
      expect(error?.code).toBe('too_large');
    }
  });

  it('a server that does not answer in time is a timeout; nobody listening is unreachable', async () => {
    server.hold();
    try {
      const slow = await failure(send(`${server.url}/ok`, { timeoutMs: 300 }));
      expect(slow?.code).toBe('timeout');
    } finally {
      server.release();
    }
    const down = await failure(send('http://127.0.0.1:1/', { timeoutMs: 2000 }));
    expect(down?.code).toBe('unreachable');
  });
});
