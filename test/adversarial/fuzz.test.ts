import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Property: whatever arrives — any JSON, any form, any content type, any headers — the gateway
 * answers a 4xx (or a harmless 2xx), never a 5xx, never crashes, never issues a token and never
 * writes a row. Bounded and seeded in `npm test`; `FUZZ_RUNS=5000 npm test -- fuzz` for more.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

let gw: TestGateway;
let access: string;
const FIELDS = ['email', 'password', 'token', 'refresh_token', 'old_password', 'new_password', 'role', 'redirect_url', 'cf-turnstile-response', '__proto__', 'constructor'];

beforeAll(async () => {
  gw = await startGateway({ MULTI_TENANT_ENABLED: 'false', MAIL_HOST: 'dummy', LOG_LEVEL: 'silent' });
  access = (await signUp(gw, 'fuzz-owner@example.com').catch(() => ({ tokens: { access_token: '' } }))).tokens.access_token;
});
afterAll(() => gw.close());

const rows = () => {
  const db = new Database(gw.dbPath, { readonly: true });
  try {
    return db.prepare('SELECT count(*) AS n, group_concat(password) AS p, group_concat(email) AS e FROM users').get();
  } finally {
    db.close();
  }
};

const headerValue = fc.string({ maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const fieldValue = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.jsonValue({ maxDepth: 3 }), fc.constant(''), fc.emailAddress());
const objectBody = fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 6 });
const body = fc.oneof(
  objectBody.map((o) => ({ type: 'application/json', text: JSON.stringify(o) })),
  objectBody.map((o) => ({ type: 'application/x-www-form-urlencoded', text: new URLSearchParams(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString() })),
  fc.jsonValue({ maxDepth: 5 }).map((v) => ({ type: 'application/json', text: JSON.stringify(v) ?? 'null' })),
  fc.string({ maxLength: 500 }).map((text) => ({ type: 'application/json', text })),
  fc.tuple(fc.constantFrom('', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/vnd.api+json'), fc.string({ maxLength: 300 })).map(([type, text]) => ({ type, text })),
);
const headers = fc.record(
  {
    authorization: fc.oneof(headerValue, headerValue.map((v) => `Bearer ${v}`), fc.constant('Bearer OWNER')),
    'x-tenant-id': headerValue,
    'x-forwarded-for': headerValue,
    origin: headerValue,
  },
  { requiredKeys: [] },
);

const ENDPOINTS = ['/signup', '/verify-email', '/token', '/refresh', '/change-password', '/change-email', '/invite', '/reset-password'];

describe.each(ENDPOINTS)('fuzzing POST %s', (path) => {
  it('never a 5xx, a token or a write', async () => {
    const before = rows();
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        const sent: Record<string, string> = {};
        for (const [name, value] of Object.entries(h)) if (value !== undefined) sent[name] = value === 'Bearer OWNER' ? `Bearer ${access}` : value;
        if (b.type) sent['content-type'] = b.type;
        const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers: sent, body: b.text });
        const text = await response.text();
        expect(response.status, `${path} ${b.type} ${b.text.slice(0, 120)}`).toBeLessThan(500);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(() => JSON.parse(text)).not.toThrow();
        expect(text).not.toContain('access_token');
        expect(text).not.toMatch(/at \S+\.(ts|js):\d+/);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(rows()).toEqual(before);
  });
});

describe('fuzzing GET routes', () => {
  it('/user, /form and unknown paths: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(headers, fc.string({ maxLength: 80 }), async (h, query) => {
        const sent: Record<string, string> = {};
        for (const [name, value] of Object.entries(h)) if (value !== undefined) sent[name] = value === 'Bearer OWNER' ? `Bearer ${access}` : value;
        for (const path of ['/user', `/form?action=${encodeURIComponent(query)}&token=${encodeURIComponent(query)}`, `/${encodeURIComponent(query)}`]) {
          const response = await fetch(`${gw.url}${path}`, { headers: sent });
          await response.arrayBuffer();
          expect(response.status, path).toBeLessThan(500);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
