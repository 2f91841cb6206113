// The servers the tests stand up in place of what cannot run here or should not be shared:
// webhook receivers, third-party providers (Google, GitHub, Turnstile), an audit collector, the
// HTTP users service, a Hasura-speaking GraphQL server, an SMTP server, a TCP proxy — all real
// servers on 127.0.0.1 built on one recording HTTP server — and an in-process mail recorder.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import { likePrefix } from '../src/backends/types.js';
import { compileMailTemplates } from '../src/mail/templates.js';
import type { Mailer } from '../src/mail/mailer.js';
import { listen } from './helpers/http-server.js';
import type { ReceivedMail } from './helpers/smtp.js';

export { startHasura } from './helpers/hasura-server.js';
export { TestSmtpServer, type ReceivedMail } from './helpers/smtp.js';
export { startTcpProxy } from './helpers/tcp-proxy.js';

/** One request a fake server received. */
export interface FakeCall {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
}

/** Makes requests wait — a server that does not answer in time, without a timer. */
export interface Hold {
  /** From now on, requests wait. */
  hold(): void;
  /** Lets every waiting request (and later ones) through. */
  release(): void;
  /** Ends every waiting request unanswered (its client gave up) and lets later ones through. */
  drop(): void;
}

/** A gate requests wait at while it is held. */
function gate(): Hold & { passed(req: IncomingMessage): Promise<boolean> } {
  let held: Promise<boolean> | undefined;
  let open: (proceed: boolean) => void = () => {};
  const end = (proceed: boolean) => {
    held = undefined;
    open(proceed);
  };
  return {
    hold() {
      held ??= new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => end(true),
    drop: () => end(false),
    /** Waits while held; false when the call is dropped (its socket is then destroyed). */
    async passed(req) {
      const proceed = held ? await held : true;
      if (!proceed) req.socket.destroy();
      return proceed && !req.socket.destroyed;
    },
  };
}

export type FakeHandler = (call: FakeCall, res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * A real HTTP server on 127.0.0.1 that records every call and answers with `routes`
 * (`'POST /path'`, else 404) or one handler for every call. A held server answers nothing until
 * released; a call whose client gave up meanwhile is dropped, as a well-behaved service drops it.
 */
export async function startFakeServer(routes: Record<string, FakeHandler> | FakeHandler) {
  const calls: FakeCall[] = [];
  const waiting = gate();
  const watchers: Array<{ matches: (call: FakeCall) => boolean; resolve: (call: FakeCall) => void }> = [];
  const server = createServer(async (req, res) => {
    let rawBody = '';
    for await (const chunk of req) rawBody += String(chunk);
    const url = new URL(req.url ?? '/', 'http://fake');
    const call: FakeCall = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, rawBody };
    calls.push(call);
    for (const watcher of watchers.filter((w) => w.matches(call))) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve(call);
    }
    if (!(await waiting.passed(req))) return;
    const handler = typeof routes === 'function' ? routes : routes[`${call.method} ${call.path}`];
    if (handler) await handler(call, res, req);
    else json(res, 404, { error: 'not_found' });
  });
  const listening = await listen(server);
  return {
    url: `http://127.0.0.1:${listening.port}`,
    port: listening.port,
    calls,
    /** The first call (already received or still to come) that `matches`. */
    arrival(matches: (call: FakeCall) => boolean): Promise<FakeCall> {
      const seen = calls.find(matches);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => watchers.push({ matches, resolve }));
    },
    hold: waiting.hold,
    release: waiting.release,
    drop: waiting.drop,
    pause: listening.pause,
    resume: listening.resume,
    close: () => {
      waiting.release();
      return listening.close();
    },
  };
}

export interface HookReply {
  status?: number;
  body?: string | Record<string, unknown>;
  /** Answer only once `release()` is called (a webhook that does not answer in time). */
  hold?: boolean;
}

/** A webhook receiver: records each call with its parsed body; replies are set per action. */
export async function startHookReceiver() {
  const replies: Record<string, HookReply> = {};
  const held = gate();
  held.hold();
  const server = await startFakeServer({
    'POST /authura/hook': async (call, res, req) => {
      const reply = replies[call.query.get('action') ?? ''] ?? {};
      if (reply.hold && !(await held.passed(req))) return;
      const body = reply.body ?? {};
      res.writeHead(reply.status ?? 200, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    },
  });
  const calls = () =>
    server.calls.map((call) => ({ action: call.query.get('action'), headers: call.headers, rawBody: call.rawBody, body: JSON.parse(call.rawBody) as Record<string, unknown> }));
  return {
    url: `${server.url}/authura/hook`,
    /** Every call so far, with its action and parsed body. */
    get calls() {
      return calls();
    },
    replies,
    /** Resolves once a call of `action` has arrived. */
    arrival: (action: string) => server.arrival((call) => call.query.get('action') === action).then(() => undefined),
    /** Lets every call held by a `hold` reply through. */
    release() {
      held.release();
      held.hold();
    },
    reset() {
      server.calls.length = 0;
      for (const key of Object.keys(replies)) delete replies[key];
    },
    close: () => {
      held.release();
      return server.close();
    },
  };
}

/**
 * A local server speaking the OAuth protocol of Google (token endpoint + OIDC userinfo) or
 * GitHub (access_token endpoint answering errors with 200, /user/emails). Codes are single-use
 * and bound to the PKCE challenge and redirect URI, as at the real providers.
 */
export async function startOAuthProvider(kind: 'google' | 'github', client: { id: string; secret: string }) {
  const grants = new Map<string, { challenge: string; redirectUri: string; email: string; verified: boolean; used: boolean }>();
  const accessTokens = new Map<string, { email: string; verified: boolean }>();
  const faults = { tokenStatus: 0, userStatus: 0 };
  const tokenError = (res: ServerResponse, error: string) => (kind === 'github' ? json(res, 200, { error, error_description: error }) : json(res, 400, { error }));

  const server = await startFakeServer({
    [kind === 'google' ? 'POST /token' : 'POST /login/oauth/access_token']: (call, res) => {
      if (faults.tokenStatus) return json(res, faults.tokenStatus, { error: 'server_error' });
      const expected = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
      if (call.headers.authorization !== expected) return json(res, 401, { error: 'invalid_client' });
      const form = new URLSearchParams(call.rawBody);
      const grant = grants.get(form.get('code') ?? '');
      if (form.get('grant_type') !== 'authorization_code' || !grant || grant.used) return tokenError(res, kind === 'github' ? 'bad_verification_code' : 'invalid_grant');
      grant.used = true;
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (challenge !== grant.challenge || form.get('redirect_uri') !== grant.redirectUri) return tokenError(res, 'invalid_grant');
      const accessToken = randomBytes(16).toString('hex');
      accessTokens.set(accessToken, { email: grant.email, verified: grant.verified });
      json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: 'openid email profile' });
    },
    [kind === 'google' ? 'GET /v1/userinfo' : 'GET /user/emails']: (call, res) => {
      if (faults.userStatus) return json(res, faults.userStatus, { error: 'server_error' });
      const who = accessTokens.get((call.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!who) return json(res, 401, { error: 'invalid_token' });
      if (kind === 'google') return json(res, 200, { sub: '1234', email: who.email, email_verified: who.verified, name: 'Test' });
      json(res, 200, [
        { email: 'secondary@example.org', primary: false, verified: true, visibility: null },
        { email: who.email, primary: true, verified: who.verified, visibility: 'private' },
      ]);
    },
  });

  const env: Record<string, string> =
    kind === 'google'
      ? {
          GOOGLE_CLIENT_ID: client.id,
          GOOGLE_CLIENT_SECRET: client.secret,
          GOOGLE_AUTHORIZATION_URL: `${server.url}/o/oauth2/v2/auth`,
          GOOGLE_TOKEN_URL: `${server.url}/token`,
          GOOGLE_USERINFO_URL: `${server.url}/v1/userinfo`,
        }
      : {
          GITHUB_CLIENT_ID: client.id,
          GITHUB_CLIENT_SECRET: client.secret,
          GITHUB_AUTHORIZATION_URL: `${server.url}/login/oauth/authorize`,
          GITHUB_TOKEN_URL: `${server.url}/login/oauth/access_token`,
          GITHUB_API_URL: server.url,
        };
  return {
    ...server,
    faults,
    env,
    /** The user consents at the authorization URL: a code bound to its PKCE challenge. */
    consent(authorizationUrl: URL, user: { email: string; verified: boolean }): string {
      const code = randomBytes(12).toString('hex');
      grants.set(code, {
        challenge: authorizationUrl.searchParams.get('code_challenge') ?? '',
        redirectUri: authorizationUrl.searchParams.get('redirect_uri') ?? '',
        ...user,
        used: false,
      });
      return code;
    },
  };
}

export interface ServiceFaults {
  /** Answer 200 with a body that is not JSON. */
  garbage?: boolean;
  /** Answer every call with this status. */
  status?: number;
  /** Answer lookups with a user missing its password. */
  malformedRows?: boolean;
  /** Accept a PATCH of session_version but do not store it (a service that does not keep one). */
  dropSessionVersion?: boolean;
}

/**
 * The HTTP users service: the README's REST contract over its own SQLite database, with UUID ids
 * (so the gateway is tested with string ids), an auth header check, the optional
 * `session_version` field, and switchable faults (`hold()` for a slow one).
 */
export async function startUsersService(auth: { name: string; value: string }) {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL, password TEXT NOT NULL,
           tenant_id TEXT, verified_at TEXT, session_version INTEGER NOT NULL DEFAULT 0);
           CREATE UNIQUE INDEX u ON users (email, ifnull(tenant_id, ''));`);
  const faults: ServiceFaults = {};
  const out = (row: unknown) => {
    if (!row) return row;
    const user = { ...(row as Record<string, unknown>) };
    if (faults.malformedRows) delete user.password;
    return user;
  };
  const found = (res: ServerResponse, row: unknown) => (row ? json(res, 200, out(row)) : json(res, 404, { error: 'not found' }));
  db.exec('CREATE TABLE spent (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
  db.exec(`CREATE TABLE mfa (user_id TEXT PRIMARY KEY, tenant_id TEXT, totp_secret TEXT, totp_confirmed_at TEXT, totp_last_step INTEGER NOT NULL,
           recovery_codes TEXT NOT NULL, version INTEGER NOT NULL)`);
  db.exec(`CREATE TABLE passkeys (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, tenant_id TEXT, public_key TEXT NOT NULL, counter INTEGER NOT NULL,
           transports TEXT NOT NULL, backup_eligible INTEGER NOT NULL, backed_up INTEGER NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL,
           last_used_at TEXT, version INTEGER NOT NULL)`);
  const users: FakeHandler = (call, res) => {
    if (faults.garbage) return void res.end('<<garbage>>');
    if (faults.status) return json(res, faults.status, { error: 'fault' });
    if (call.headers[auth.name.toLowerCase()] !== auth.value) return json(res, 401, { error: 'unauthorized' });
    // The documented spent-links endpoint: POST spends (201, or 409 when spent), DELETE forgets.
    if (call.path.startsWith('/spent-links')) {
      const body = call.rawBody ? (JSON.parse(call.rawBody) as { jti?: string; expires_at?: number }) : {};
      if (call.method === 'POST') return json(res, db.prepare('INSERT OR IGNORE INTO spent VALUES (?, ?)').run(body.jti, body.expires_at).changes === 1 ? 201 : 409, {});
      if (call.method === 'DELETE') {
        db.prepare('DELETE FROM spent WHERE jti = ?').run(decodeURIComponent(call.path.split('/')[2] ?? ''));
        return json(res, 200, {});
      }
    }
    // The documented MFA endpoint: GET reads (404: none), PUT {record, expected_version} writes (412: lost).
    const mfaUser = /^\/mfa\/([^/]+)$/.exec(call.path)?.[1];
    if (mfaUser !== undefined) {
      const userId = decodeURIComponent(mfaUser);
      const tenantId = call.query.get('tenant_id');
      if (call.method === 'GET') {
        const row = db.prepare('SELECT * FROM mfa WHERE user_id = ? AND tenant_id IS ?').get(userId, tenantId) as Record<string, unknown> | undefined;
        return row ? json(res, 200, { ...row, recovery_codes: JSON.parse(String(row.recovery_codes)) }) : json(res, 404, { error: 'not found' });
      }
      if (call.method === 'PUT') {
        const { record, expected_version: expected } = JSON.parse(call.rawBody) as { record: Record<string, unknown>; expected_version: number | null };
        const row = { ...record, user_id: userId, tenant_id: tenantId, recovery_codes: JSON.stringify(record.recovery_codes), expected };
        const written =
          expected === null
            ? db.prepare('INSERT OR IGNORE INTO mfa VALUES (@user_id, @tenant_id, @totp_secret, @totp_confirmed_at, @totp_last_step, @recovery_codes, @version)').run(row)
            : db
                .prepare('UPDATE mfa SET totp_secret = @totp_secret, totp_confirmed_at = @totp_confirmed_at, totp_last_step = @totp_last_step, recovery_codes = @recovery_codes, version = @version WHERE user_id = @user_id AND tenant_id IS @tenant_id AND version = @expected')
                .run(row);
        return json(res, written.changes === 1 ? 200 : 412, {});
      }
    }
    // The documented passkeys endpoints (HTTP_PASSKEYS_URL).
    const passkey = /^\/passkeys(?:\/([^/]+))?$/.exec(call.path);
    if (passkey) {
      const key = passkey[1] === undefined ? undefined : decodeURIComponent(passkey[1]);
      const shown = (row: Record<string, unknown>) => ({ ...row, transports: JSON.parse(String(row.transports)) });
      const owner = { user_id: call.query.get('user_id'), tenant_id: call.query.get('tenant_id') };
      if (call.method === 'GET' && key === undefined) {
        return json(res, 200, (db.prepare('SELECT * FROM passkeys WHERE user_id = @user_id AND tenant_id IS @tenant_id ORDER BY created_at, id').all(owner) as Record<string, unknown>[]).map(shown));
      }
      if (call.method === 'GET') {
        const row = db.prepare('SELECT * FROM passkeys WHERE id = ?').get(key) as Record<string, unknown> | undefined;
        return row ? json(res, 200, shown(row)) : json(res, 404, { error: 'not found' });
      }
      const { record, expected_version: expected } = call.rawBody ? (JSON.parse(call.rawBody) as { record: Record<string, unknown>; expected_version?: number }) : { record: {} };
      const row = { ...record, transports: JSON.stringify(record.transports ?? []) };
      if (call.method === 'POST') {
        const written = db.prepare(`INSERT OR IGNORE INTO passkeys VALUES (@id, @user_id, @tenant_id, @public_key, @counter, @transports, @backup_eligible, @backed_up, @name, @created_at, @last_used_at, @version)`).run(row);
        return json(res, written.changes === 1 ? 201 : 409, {});
      }
      if (call.method === 'PUT') {
        const written = db
          .prepare('UPDATE passkeys SET counter = @counter, backed_up = @backed_up, name = @name, last_used_at = @last_used_at, version = @version WHERE id = @key AND user_id = @user_id AND tenant_id IS @tenant_id AND version = @expected')
          .run({ ...row, key, expected });
        return json(res, written.changes === 1 ? 200 : 412, {});
      }
      if (call.method === 'DELETE') {
        const removed = db.prepare('DELETE FROM passkeys WHERE id = @key AND user_id = @user_id AND tenant_id IS @tenant_id').run({ ...owner, key });
        return json(res, removed.changes === 1 ? 200 : 404, {});
      }
    }
    const tenant = call.query.get('tenant_id');
    const id = /^\/users\/([^/]+)$/.exec(call.path)?.[1];
    if (call.path !== '/users' && id === undefined) return json(res, 404, { error: 'no such path' });
    const body = call.rawBody ? (JSON.parse(call.rawBody) as Record<string, unknown>) : {};
    try {
      if (call.method === 'GET' && !id && call.query.get('list') === '1') {
        // The documented admin list: id order (the ids are UUIDs here: their text order), a cursor.
        const q = call.query;
        const rows = db
          .prepare(
            `SELECT * FROM users WHERE (@prefix IS NULL OR email LIKE @prefix ESCAPE '\\') AND (@any = 1 OR tenant_id IS @tenant) AND (@role IS NULL OR role = @role) AND (@cursor IS NULL OR id > @cursor) ORDER BY id LIMIT @limit`,
          )
          .all({ prefix: q.get('email_prefix') === null ? null : likePrefix(q.get('email_prefix') as string), any: q.get('any_tenant') === '1' ? 1 : 0, tenant, role: q.get('role'), cursor: q.get('cursor'), limit: Number(q.get('limit')) + 1 }) as Record<string, unknown>[];
        const limit = Number(q.get('limit'));
        const users = rows.slice(0, limit).map(out);
        return json(res, 200, { users, next_cursor: rows.length > limit ? String(rows[limit - 1]?.id) : null });
      }
      if (call.method === 'GET' && !id) {
        // The contract's case-insensitive lookup (EMAIL_LOOKUP=insensitive): any case; two accounts
        // that differ only in case are a 409, never one of them.
        if (call.query.get('email_match') === 'insensitive') {
          const rows = db.prepare('SELECT * FROM users WHERE lower(email) = lower(?) AND tenant_id IS ? LIMIT 2').all(call.query.get('email'), tenant);
          if (rows.length > 1) return json(res, 409, { error: 'ambiguous_email' });
          return found(res, rows[0]);
        }
        return found(res, db.prepare('SELECT * FROM users WHERE email = ? AND tenant_id IS ?').get(call.query.get('email'), tenant));
      }
      if (call.method === 'GET' && id) return found(res, db.prepare('SELECT * FROM users WHERE id = ? AND tenant_id IS ?').get(decodeURIComponent(id), tenant));
      if (call.method === 'DELETE' && id) {
        const removed = db.prepare('DELETE FROM users WHERE id = ? AND tenant_id IS ?').run(decodeURIComponent(id), tenant);
        return json(res, removed.changes === 1 ? 200 : 404, {});
      }
      if (call.method === 'POST' && !id) {
        const row = db
          .prepare('INSERT INTO users (id, email, role, password, tenant_id, verified_at) VALUES (@id, @email, @role, @password, @tenant_id, @verified_at) RETURNING *')
          .get({ id: randomUUID(), email: body.email, role: body.role, password: body.password, tenant_id: body.tenant_id ?? null, verified_at: body.verified_at ?? null });
        return json(res, 201, out(row));
      }
      if (call.method === 'PATCH' && id) {
        // A conditional PATCH is {"set", "expect"}: written only while the row holds `expect`, else 412.
        const conditional = 'set' in body && 'expect' in body;
        const patch = (conditional ? body.set : body) as Record<string, unknown>;
        const expect = (conditional ? body.expect : {}) as Record<string, unknown>;
        const allowed = ['email', 'role', 'password', 'verified_at', 'session_version'].filter((k) => k in patch && !(k === 'session_version' && faults.dropSessionVersion));
        const checks = ['email', 'role', 'password', 'session_version'].filter((k) => k in expect);
        const set = allowed.map((k) => `${k} = @${k}`).join(', ');
        const where = ['id = @id AND tenant_id IS @tenant', ...checks.map((k) => `${k} = @expect_${k}`)].join(' AND ');
        const params = {
          ...Object.fromEntries(allowed.map((k) => [k, patch[k]])),
          ...Object.fromEntries(checks.map((k) => [`expect_${k}`, expect[k]])),
          id: decodeURIComponent(id),
          tenant,
        };
        const row = set ? db.prepare(`UPDATE users SET ${set} WHERE ${where} RETURNING *`).get(params) : db.prepare(`SELECT * FROM users WHERE ${where}`).get(params);
        if (!row && checks.length > 0 && db.prepare('SELECT 1 FROM users WHERE id = @id AND tenant_id IS @tenant').get(params)) return json(res, 412, { error: 'changed' });
        return found(res, row);
      }
      return json(res, 405, { error: 'method not allowed' });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return json(res, 409, { error: 'email taken' });
      return json(res, 500, { error: 'internal' });
    }
  };
  const server = await startFakeServer(users);
  return {
    url: `${server.url}/users`,
    /** HTTP_SPENT_LINKS_URL of this service. */
    spentLinksUrl: `${server.url}/spent-links`,
    /** HTTP_MFA_URL of this service. */
    mfaUrl: `${server.url}/mfa`,
    /** HTTP_PASSKEYS_URL of this service. */
    passkeysUrl: `${server.url}/passkeys`,
    port: server.port,
    faults,
    calls: server.calls,
    db,
    hold: server.hold,
    release: server.release,
    drop: server.drop,
    pause: server.pause,
    resume: server.resume,
    async close() {
      await server.close();
      db.close();
    },
  };
}

/**
 * An in-process mail transport: renders the real templates and keeps what it would have sent,
 * with the link a test follows. For tests whose subject is not SMTP (SMTP has its own server).
 */
export function recordingMailer(templatesDir?: string): Mailer & { readonly mails: ReceivedMail[]; next(to: string, subject?: string): Promise<ReceivedMail> } {
  const render = compileMailTemplates(templatesDir);
  const mails: ReceivedMail[] = [];
  return {
    mails,
    async send(kind, to, context) {
      const mail = render(kind, { ...context, email: to });
      // No transport in process, so no From header: SMTP is tested with a real server.
      mails.push({ to, from: '', subject: mail.subject, html: mail.html, text: mail.text, link: /https?:\/\/\S+/.exec(mail.text)?.[0] });
    },
    verify: async () => ({ ok: true }),
    close() {},
    async next(to, subject) {
      const index = mails.findIndex((m) => m.to === to && (subject === undefined || m.subject === subject));
      if (index < 0) throw new Error(`no mail to ${to}${subject ? ` (${subject})` : ''}`);
      return mails.splice(index, 1)[0] as ReceivedMail;
    },
  };
}
