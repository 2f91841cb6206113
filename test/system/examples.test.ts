import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startGateway, type TestGateway, watchOutput } from '../fixtures.js';
import { freePort } from '../helpers/ports.js';

/** examples/: each service run as its README says, against a running gateway's JWKS. */
describe.each([
  ['python-service (Flask, PyJWT PyJWKClient)', '/usr/bin/python3', 'examples/python-service/app.py', 'Running on'],
  ['node-service (jose createRemoteJWKSet)', process.execPath, 'examples/node-service/server.mjs', 'listening on'],
])('examples/%s', (_name, command, script, ready) => {
  let gw: TestGateway;
  let service: ChildProcess;
  let url: string;
  beforeAll(async () => {
    gw = await startGateway({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEYS: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), JWT_AUDIENCE: 'api' });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = spawn(command, [script], {
      env: { PATH: process.env.PATH, PORT: String(port), AUTHURA_JWKS_URL: `${gw.url}/.well-known/jwks.json`, AUTHURA_ISSUER: 'http://localhost:9000', AUTHURA_AUDIENCE: 'api' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await watchOutput(service).until(ready);
  });
  afterAll(async () => {
    service?.kill();
    await gw?.close();
  });

  it('answers a signed-in user with its access token, and 401 without one, with a tampered one or a refresh token', async () => {
    const { user, tokens } = await signUp(gw, `example-${script.length}@example.com`);
    const call = (token?: string) => fetch(`${url}/protected`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const ok = await call(tokens.access_token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ user_id: String(user.id), email: user.email, roles: ['user'] });
    expect((await call()).status).toBe(401);
    const [h, p, s] = tokens.access_token.split('.') as [string, string, string];
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'someone-else' })).toString('base64url');
    expect((await call(`${h}.${tampered}.${s}`)).status).toBe(401);
    expect((await call(tokens.refresh_token)).status).toBe(401);
  });
});
