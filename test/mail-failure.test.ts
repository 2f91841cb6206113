import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports.js';
import { type ListeningGateway, signUp, startGateway } from './fixtures.js';

let gw: ListeningGateway;
beforeAll(async () => {
  gw = await startGateway({ MAIL_TIMEOUT: '500ms', MAIL_PER_ADDRESS_PER_HOUR: '3', MAIL_PER_ADDRESS_PER_CLIENT_PER_HOUR: '3' });
});
afterAll(() => gw.close());

describe('a failing mail server', () => {
  it('a refused message is a 502 JSON error', async () => {
    gw.smtp.options = { reject: { code: 550, message: 'mailbox unavailable' } };
    try {
      const response = await gw.call('/signup', { json: { email: 'refused@example.com' } });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ error: 'mail_failed', message: expect.any(String) });
    } finally {
      gw.smtp.options = {};
    }
  });

  it("a mail that was not sent does not count against its address's limit", async () => {
    gw.smtp.options = { reject: { code: 550, message: 'mailbox unavailable' } };
    try {
      // Five refusals: more than the address's 3 mails an hour, had they counted.
      for (let i = 0; i < 5; i++) expect((await gw.call('/reset-password', { json: { email: 'retry@example.com' } })).status).toBe(502);
    } finally {
      gw.smtp.options = {};
    }
    expect((await gw.call('/reset-password', { json: { email: 'retry@example.com' } })).status).toBe(200);
    await gw.mail.next('retry@example.com');
  });

  it('a hanging server is a 504 within the configured timeout', async () => {
    gw.smtp.options = { hang: true };
    try {
      // The server never answers: a 504 mail_timeout can only come from our own deadline.
      const response = await gw.call('/reset-password', { json: { email: 'hang@example.com' } });
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ error: 'mail_timeout' });
    } finally {
      gw.smtp.options = {};
    }
  });

  it('an unreachable server is a 503, nothing is half-done, and the gateway recovers', async () => {
    const { tokens } = await signUp(gw, 'keep@example.com');
    // A port that refuses connections.
    const port = await freePort();
    const down = await startGateway({ MAIL_PORT: String(port), SQLITE_DB_PATH: gw.dbPath, MAIL_TIMEOUT: '500ms' });
    try {
      const change = await down.call('/change-email', { json: { email: 'moved@example.com' }, bearer: tokens.access_token });
      expect(change.status).toBe(503);
      expect(await change.json()).toMatchObject({ error: 'mail_unavailable' });
      const signup = await down.call('/signup', { json: { email: 'nobody-yet@example.com' } });
      expect(signup.status).toBe(503);
      expect((await down.call('/healthz')).status).toBe(200);
    } finally {
      await down.close();
    }
    // Nothing changed: the old address and the refresh token still work.
    const me = await gw.call('/user', { bearer: tokens.access_token });
    expect(await me.json()).toMatchObject({ user: { email: 'keep@example.com' } });
    expect((await gw.call('/refresh', { json: { refresh_token: tokens.refresh_token } })).status).toBe(200);
    // And with the mail server back, mail flows again.
    expect((await gw.call('/signup', { json: { email: 'later@example.com' } })).status).toBe(200);
    await gw.mail.next('later@example.com');
  });
});
