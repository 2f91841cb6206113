import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signUp } from '../fixtures.js';
import { softwareAuthenticator } from '../helpers/authenticator.js';
import { backendStores, useGatewayOn } from '../helpers/backend-stores.js';

const stores = backendStores();
const APP = 'https://app.example.com';
const RP = { origin: APP, rpId: 'example.com' };
type Json = Record<string, unknown>;

describe.each(Object.keys(stores))('passkeys on the %s backend', (name) => {
  const gw = useGatewayOn(name, { PASSKEYS_ENABLED: 'true', EXTERNAL_URL: 'https://auth.example.com', WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: APP });
  afterEach(() => vi.useRealTimers());

  const post = async (path: string, json?: Json, bearer?: string) => {
    const response = await gw.call(path, { method: 'POST', json, bearer });
    return { status: response.status, body: (await response.json()) as Json };
  };
  /** A user signed up now, with a passkey on `authenticator`. */
  async function registered(email: string, authenticator: ReturnType<typeof softwareAuthenticator>) {
    const { tokens } = await signUp(gw, email);
    const started = await post('/webauthn/registration/initialize', undefined, tokens.access_token);
    expect(started.status).toBe(200);
    const credential = authenticator.create(started.body.options as Json);
    const done = await post('/webauthn/registration/finalize', { challenge: started.body.challenge, credential, name: 'Laptop' }, tokens.access_token);
    expect(done).toMatchObject({ status: 200, body: { id: credential.id, name: 'Laptop', last_used_at: null } });
    return { tokens, credentialId: credential.id };
  }
  const loginStart = async () => (await post('/webauthn/login/initialize')).body as { options: Json; challenge: string };
  const login = async (authenticator: ReturnType<typeof softwareAuthenticator>, wrong: Parameters<ReturnType<typeof softwareAuthenticator>['get']>[1] = {}) => {
    const { options, challenge } = await loginStart();
    return post('/webauthn/login/finalize', { challenge, credential: authenticator.get(options, wrong) });
  };

  it('registers a synced passkey and signs in with it, no address asked: amr swk user mfa; the list shows it used', async () => {
    const synced = softwareAuthenticator({ ...RP, synced: true });
    const { tokens, credentialId } = await registered('synced@example.com', synced);
    const started = await loginStart();
    expect(started.options).not.toHaveProperty('allowCredentials.0');
    const signedIn = await post('/webauthn/login/finalize', { challenge: started.challenge, credential: synced.get(started.options) });
    expect(signedIn.status).toBe(200);
    const claims = decodeJwt(signedIn.body.access_token as string);
    expect(claims).toMatchObject({ email: 'synced@example.com', amr: ['swk', 'user', 'mfa'] });
    expect(typeof claims.auth_time).toBe('number');
    const list = (await (await gw.call('/webauthn/credentials', { bearer: tokens.access_token })).json()) as { credentials: Json[] };
    expect(list.credentials).toEqual([expect.objectContaining({ id: credentialId, backed_up: true, last_used_at: expect.any(String) })]);
  });

  it('a device-bound key signs in with hwk; without user verification it is one factor (amr hwk)', async () => {
    const key = softwareAuthenticator({ ...RP });
    await registered('bound@example.com', key);
    expect(decodeJwt((await login(key)).body.access_token as string).amr).toEqual(['hwk', 'user', 'mfa']);
    expect(decodeJwt((await login(key, { userVerified: false })).body.access_token as string).amr).toEqual(['hwk']);
  });

  it('refuses a replayed assertion, a reused or expired challenge, a wrong origin or RP ID, another user handle', async () => {
    const key = softwareAuthenticator({ ...RP });
    const { tokens: other } = await signUp(gw, 'other-user@example.com');
    await registered('refused@example.com', key);
    const { options, challenge } = await loginStart();
    const assertion = key.get(options);
    expect((await post('/webauthn/login/finalize', { challenge, credential: assertion })).status).toBe(200);
    // The same assertion again: its challenge is spent; with a new challenge it signs the old one.
    expect(await post('/webauthn/login/finalize', { challenge, credential: assertion })).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(await post('/webauthn/login/finalize', { challenge: (await loginStart()).challenge, credential: assertion })).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect(await login(key, { origin: 'https://evil.example' })).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect(await login(key, { rpId: 'evil.example' })).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    const otherHandle = Buffer.from(String(decodeJwt(other.access_token).sub)).toString('base64url');
    expect(await login(key, { userHandle: otherHandle })).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    const late = await loginStart();
    vi.useFakeTimers({ now: Date.now() + 6 * 60_000, toFake: ['Date'] });
    expect(await post('/webauthn/login/finalize', { challenge: late.challenge, credential: key.get(late.options) })).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    vi.useRealTimers();
    expect((await login(key)).status).toBe(200);
  });

  it('answers malformed credentials and challenges with JSON errors, never a 500', async () => {
    const { challenge } = await loginStart();
    const garbage = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'bm90IGpzb24', authenticatorData: '', signature: '', userHandle: '' } };
    expect(await post('/webauthn/login/finalize', { challenge, credential: garbage })).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect(await post('/webauthn/login/finalize', { challenge: 'not.a.token', credential: garbage })).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(await post('/webauthn/login/finalize', { challenge, credential: { id: 'x' } })).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
    const { tokens } = await signUp(gw, 'garbage@example.com');
    const started = await post('/webauthn/registration/initialize', undefined, tokens.access_token);
    const made = await post('/webauthn/registration/finalize', { challenge: started.body.challenge, credential: { ...garbage, response: { clientDataJSON: 'bm90IGpzb24', attestationObject: 'AAAA' } } }, tokens.access_token);
    expect(made).toMatchObject({ status: 400, body: { error: 'passkey_refused' } });
  });

  it('refuses a counter that does not grow (a cloned authenticator), and audits it', async () => {
    const key = softwareAuthenticator({ ...RP });
    await registered('clone@example.com', key);
    expect((await login(key)).status).toBe(200);
    expect((await login(key)).status).toBe(200); // counter 2 stored
    expect(await login(key, { counter: 2 })).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    await gw.logged('"detail":"passkey_counter_regression"');
  });

  it('refuses a passkey whose backup eligibility changed', async () => {
    const synced = softwareAuthenticator({ ...RP, synced: true });
    await registered('eligible@example.com', synced);
    expect(await login(synced, { synced: false })).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    await gw.logged('"detail":"passkey_backup_eligibility_changed"');
    expect((await login(synced)).status).toBe(200);
  });

  it("refuses a registration made on another origin or RP, or finished by another user; another user's passkey cannot be renamed or removed", async () => {
    const key = softwareAuthenticator({ ...RP });
    const { tokens } = await signUp(gw, 'owner@example.com');
    const { tokens: intruder } = await signUp(gw, 'intruder@example.com');
    for (const wrong of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const started = await post('/webauthn/registration/initialize', undefined, tokens.access_token);
      const refused = await post('/webauthn/registration/finalize', { challenge: started.body.challenge, credential: key.create(started.body.options as Json, wrong) }, tokens.access_token);
      expect(refused).toMatchObject({ status: 400, body: { error: 'passkey_refused' } });
    }
    const started = await post('/webauthn/registration/initialize', undefined, tokens.access_token);
    const credential = key.create(started.body.options as Json);
    expect(await post('/webauthn/registration/finalize', { challenge: started.body.challenge, credential }, intruder.access_token)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    const again = await post('/webauthn/registration/initialize', undefined, tokens.access_token);
    const mine = key.create(again.body.options as Json);
    expect((await post('/webauthn/registration/finalize', { challenge: again.body.challenge, credential: mine }, tokens.access_token)).status).toBe(200);
    const path = `/webauthn/credentials/${mine.id}`;
    expect((await gw.call(path, { method: 'PATCH', json: { name: 'Mine' }, bearer: intruder.access_token })).status).toBe(404);
    expect((await gw.call(path, { method: 'DELETE', bearer: intruder.access_token })).status).toBe(404);
    expect(await (await gw.call(path, { method: 'PATCH', json: { name: 'Work key' }, bearer: tokens.access_token })).json()).toMatchObject({ name: 'Work key' });
    expect((await gw.call(path, { method: 'DELETE', bearer: tokens.access_token })).status).toBe(200);
    expect((await gw.mail.next('owner@example.com', 'A passkey was removed from your account')).text).toContain('"Work key"');
    expect(await login(key, { credentialId: mine.id })).toMatchObject({ status: 401 });
  });
});
