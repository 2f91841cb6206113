import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startGateway, type TestGateway } from '../fixtures.js';

const run = promisify(execFile);
/** Debian's Python with PyJWT and cryptography (python3-jwt, installed by .ci/run). */
const PYTHON = process.env.PYJWT_PYTHON ?? '/usr/bin/python3';

/** Seed 002's middleware, as a Python backend runs it: PyJWKClient + jwt.decode. */
const VERIFY = `
import json, sys, jwt
url, token, algorithm, audience = sys.argv[1:5]
jwks_client = jwt.PyJWKClient(url)
signing_key = jwks_client.get_signing_key_from_jwt(token)
try:
    data = jwt.decode(token, signing_key.key, algorithms=[algorithm], audience=audience, issuer="http://localhost:9000")
    print(json.dumps({"ok": True, "sub": data["sub"], "email": data["email"]}))
except Exception as e:
    print(json.dumps({"ok": False, "error": type(e).__name__}))
`;

describe.each([
  ['EdDSA', 'ed25519'],
  ['RS256', 'rsa'],
] as const)('a Python service verifies our %s tokens with PyJWT', (algorithm, type) => {
  let gw: TestGateway;
  beforeAll(async () => {
    const key = (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519')).privateKey;
    gw = await startGateway({
      JWT_ALGORITHM: algorithm,
      JWT_PRIVATE_KEYS: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      JWT_AUDIENCE: 'localhost',
    });
  });
  afterAll(() => gw.close());

  const verify = async (token: string, audience = 'localhost') => {
    const { stdout } = await run(PYTHON, ['-c', VERIFY, `${gw.url}/.well-known/jwks.json`, token, algorithm, audience]);
    return JSON.parse(stdout) as { ok: boolean; sub?: string; email?: string; error?: string };
  };

  it('accepts a token unchanged, and refuses the wrong audience or a tampered one', async () => {
    const { user, tokens } = await signUp(gw, `py-${algorithm.toLowerCase()}@example.com`);
    expect(await verify(tokens.access_token)).toEqual({ ok: true, sub: String(user.id), email: user.email });
    expect(await verify(tokens.access_token, 'another-service')).toEqual({ ok: false, error: 'InvalidAudienceError' });
    const [h, p, s] = tokens.access_token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url')}.${s}`;
    expect(await verify(tampered)).toEqual({ ok: false, error: 'InvalidSignatureError' });
  });
});
