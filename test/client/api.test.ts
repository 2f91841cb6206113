import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OPERATIONS } from '../../client/src/api.js';
import { ERROR_STATUS } from '../../src/core/errors.js';
import { useGateway } from '../fixtures.js';
import { clientApiSource, type OpenApiDocument, typeOf } from './generate-api.js';

// Every route on: the client offers them all.
const gw = useGateway({
  MULTI_TENANT_ENABLED: 'true',
  OAUTH_PROVIDERS: 'github,google',
  GITHUB_CLIENT_ID: 'id',
  GITHUB_CLIENT_SECRET: 'secret',
  GOOGLE_CLIENT_ID: 'id',
  GOOGLE_CLIENT_SECRET: 'secret',
  PASSWORDLESS_ENABLED: 'true',
  MFA_ENABLED: 'true',
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  PASSKEYS_ENABLED: 'true',
  TOKEN_DELIVERY: 'json,cookie',
  TURNSTILE_SECRET_KEY: 'turnstile-secret',
  ALLOWED_HOSTS: 'gateway.test',
});

describe("the client's types", () => {
  it('client/src/api.ts is what the gateway\'s /openapi.json generates (rewrite: `npx vitest run test/client/api.test.ts -u`)', async () => {
    const document = (await (await gw.call('/openapi.json')).json()) as OpenApiDocument;
    await expect(clientApiSource(document)).toMatchFileSnapshot('../../client/src/api.ts');
  });

  it('know every error code and every route of the gateway', async () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    const document = (await (await gw.call('/openapi.json')).json()) as OpenApiDocument;
    const offered = Object.values(OPERATIONS).map((op) => `${op.method} ${op.path}`);
    const served = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(served.filter((id) => !offered.includes(id)).sort()).toEqual(['GET /docs', 'GET /docs/{file}', 'GET /form', 'GET /metrics', 'GET /oauth/{provider}/callback', 'GET /openapi.json']);
  });

  it('a schema the printer does not know stops the generation (nothing is dropped in silence)', () => {
    expect(typeOf({ type: 'object', properties: { a: { type: 'string', maxLength: 3 } }, required: ['a'] })).toBe('{\n  a: string;\n}');
    expect(() => typeOf({ type: 'string', contentEncoding: 'base64' })).toThrow(/contentEncoding/);
    expect(() => typeOf({ type: 'object', properties: { a: { oneOf: [] } } })).toThrow(/oneOf/);
  });
});
