import Database from 'better-sqlite3';
import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../helpers/databases.js';
import { signUp, startGateway, type TestGateway } from '../fixtures.js';

/**
 * Property: whatever arrives — any JSON, any form, any content type, any headers — the gateway
 * answers a 4xx (or a harmless 2xx), never a 5xx, never crashes, never issues a token and never
 * writes a row. Bounded and seeded in `npm test`; `FUZZ_RUNS=5000 npm test -- fuzz` for more.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

const FIELDS = ['email', 'password', 'token', 'refresh_token', 'old_password', 'new_password', 'role', 'redirect_url', 'cf-turnstile-response', '__proto__', 'constructor'];

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
    cookie: fc.oneof(headerValue, headerValue.map((v) => `authura_refresh_token=${v}; authura_access_token=${v}`)),
  },
  { requiredKeys: [] },
);

const ENDPOINTS = ['/signup', '/verify-email', '/token', '/refresh', '/logout', '/change-password', '/change-email', '/invite', '/reset-password'];

/** Every user row, as a fingerprint of the whole table. */
type Snapshot = () => Promise<unknown>;

describe.each(['sqlite', 'postgres'] as const)('on the %s backend', (backend) => {
  let gw: TestGateway;
  let access: string;
  let rows: Snapshot;
  beforeAll(async () => {
    // Every delivery on, so cookies are read wherever they can be.
    const env: Record<string, string> = { MAIL_HOST: 'dummy', LOG_LEVEL: 'silent', TOKEN_DELIVERY: 'json,cookie,header' };
    if (backend === 'postgres') {
      env.AUTH_BACKEND = 'postgres';
      env.POSTGRES_DSN = await createDatabase();
    }
    gw = await startGateway(env);
    access = (await signUp(gw, 'fuzz-owner@example.com').catch(() => ({ tokens: { access_token: '' } }))).tokens.access_token;
    rows =
      backend === 'sqlite'
        ? async () => {
            const db = new Database(gw.dbPath, { readonly: true });
            try {
              return db.prepare('SELECT * FROM users ORDER BY id').all();
            } finally {
              db.close();
            }
          }
        : async () => {
            const sql = postgres(env.POSTGRES_DSN as string, { max: 1, onnotice: () => {} });
            try {
              return [...(await sql`SELECT * FROM users ORDER BY id`)];
            } finally {
              await sql.end();
            }
          };
  });
  afterAll(() => gw.close());

  const send = (h: Record<string, string | undefined>, type?: string) => {
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(h)) if (value !== undefined) sent[name] = value === 'Bearer OWNER' ? `Bearer ${access}` : value;
    if (type) sent['content-type'] = type;
    return sent;
  };

  it.each(ENDPOINTS)('POST %s: never a 5xx, a token or a write', async (path) => {
    const before = await rows();
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers: send(h, b.type), body: b.text });
        const text = await response.text();
        expect(response.status, `${path} ${b.type} ${b.text.slice(0, 120)}`).toBeLessThan(500);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(() => JSON.parse(text)).not.toThrow();
        expect(text).not.toContain('access_token');
        expect(text).not.toMatch(/at \S+\.(ts|js):\d+/);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(await rows()).toEqual(before);
  });

  it('GET /user, /form and unknown paths: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(headers, fc.string({ maxLength: 80 }), async (h, query) => {
        for (const path of ['/user', `/form?action=${encodeURIComponent(query)}&token=${encodeURIComponent(query)}`, `/${encodeURIComponent(query)}`]) {
          const response = await fetch(`${gw.url}${path}`, { headers: send(h) });
          await response.arrayBuffer();
          expect(response.status, path).toBeLessThan(500);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
