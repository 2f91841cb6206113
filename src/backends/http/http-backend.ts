import { OutboundError, send } from '../../core/outbound.js';
import { mfaRow, toMfaRecord } from '../mfa-record.js';
import { passkeyRow, toPasskeyRecord } from '../passkey-record.js';
import { toStoredUser } from '../row.js';
import { ambiguousEmail, BackendError, type EmailLookup, EXPECTABLE, type NewUser, type StoredUser, type UserBackend, type UserExpectation, type UserId, type UserPatch } from '../types.js';

interface HttpBackendOptions {
  /** The users collection, e.g. `http://users.internal/users`. */
  readonly url: string;
  readonly timeoutMs: number;
  /** Sent with every call when set (HTTP_AUTH_HEADER_KEY / HTTP_AUTH_HEADER_VALUE). */
  readonly authHeader: { readonly name: string; readonly value: string } | undefined;
  /** The service keeps `session_version` (SESSION_VERSION_COLUMN=session_version). */
  readonly sessionVersion?: boolean;
  /** The service honours `PATCH {"set", "expect"}` with a 412 on a mismatch (HTTP_CONDITIONAL_UPDATES). */
  readonly conditionalUpdates?: boolean;
  /** HTTP_SPENT_LINKS_URL: `POST {url}` spends a link (201, or 409 when spent), `DELETE {url}/{jti}` forgets it. */
  readonly spentLinksUrl?: string;
  /**
   * HTTP_MFA_URL: `GET {url}/{user_id}?tenant_id=` reads a user's second factors (404: none), `PUT`
   * the same URL with `{record, expected_version}` writes them (412: another write came first).
   */
  readonly mfaUrl?: string;
  /**
   * HTTP_PASSKEYS_URL: `GET {url}?user_id=&tenant_id=` lists a user's passkeys, `GET {url}/{id}`
   * finds one (404), `POST {url}` creates (409: the id exists), `PUT {url}/{id}` with `{record,
   * expected_version}` updates (412: another write came first), `DELETE {url}/{id}?user_id=&tenant_id=` removes (404).
   */
  readonly passkeysUrl?: string;
  /**
   * HTTP_ADMIN_CALLS: the admin API's calls the service answers — `list` (`GET {url}?list=1&…` →
   * `{users, next_cursor}`) and `delete` (`DELETE {url}/{id}?tenant_id=`).
   */
  readonly adminCalls?: readonly ('list' | 'delete')[];
  /** HTTP_CLAIMS_URL: `GET {url}/{id}?tenant_id=` answers the user's claims (an object; 404: none). */
  readonly claimsUrl?: string | undefined;
  /** EMAIL_LOOKUP=insensitive: `GET {url}?email=…&email_match=insensitive`, and the service matches any case. */
  readonly emailLookup?: EmailLookup;
}

/**
 * The HTTP backend: a REST service that owns the users (the contract is in README.md).
 * `GET {url}?email=&tenant_id=`, `GET {url}/{id}?tenant_id=`, `POST {url}`, `PATCH {url}/{id}?tenant_id=`;
 * 404 means not found, 409 a taken email, 412 (a conditional PATCH) a row that no longer matches.
 */
export function createHttpBackend(options: HttpBackendOptions): UserBackend {
  const insensitive = options.emailLookup === 'insensitive';
  const base = options.url.replace(/\/+$/, '');
  const spent = options.spentLinksUrl?.replace(/\/+$/, '');
  const mfaBase = options.mfaUrl?.replace(/\/+$/, '');
  const passkeysBase = options.passkeysUrl?.replace(/\/+$/, '');
  const passkeysAt = () => {
    if (passkeysBase === undefined) throw new BackendError('bad_response', 'HTTP_PASSKEYS_URL is not set');
    return passkeysBase;
  };
  const owner = (userId: string, tenantId: string | null) => [`user_id=${encodeURIComponent(userId)}`, tenantQuery(tenantId)];
  const tenantQuery = (tenantId: string | null) => (tenantId === null ? '' : `tenant_id=${encodeURIComponent(tenantId)}`);
  const withQuery = (url: string, ...parts: string[]) => {
    const query = parts.filter(Boolean).join('&');
    return query ? `${url}?${query}` : url;
  };

  async function call(operation: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.authHeader) headers[options.authHeader.name] = options.authHeader.value;
    let answer: Awaited<ReturnType<typeof send>>;
    try {
      answer = await send(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: options.timeoutMs });
    } catch (error) {
      const failure = error instanceof OutboundError ? error.code : 'unreachable';
      if (failure === 'timeout') throw new BackendError('timeout', `The users service did not answer in time (${operation})`, { cause: error });
      if (failure === 'too_large') throw new BackendError('bad_response', `The users service's answer is too large (${operation})`, { cause: error });
      throw new BackendError('unavailable', `The users service is unreachable (${operation})`, { cause: error });
    }
    const { status, text } = answer;
    if (status === 404 || status === 412) return { status, json: null };
    if (status === 409) throw new BackendError('conflict', 'A user with this email already exists');
    if (status >= 500) throw new BackendError('unavailable', `The users service failed with ${status} (${operation})`);
    if (status === 401 || status === 403) {
      throw new BackendError('refused', `HTTP_AUTH_HEADER_VALUE: the users service refused our credentials with ${status} (${operation})`);
    }
    if (status < 200 || status >= 300) {
      throw new BackendError('bad_response', `The users service refused the call with ${status} (${operation})`);
    }
    try {
      return { status, json: text === '' ? null : JSON.parse(text) };
    } catch (error) {
      throw new BackendError('bad_response', `The users service answered with invalid JSON (${operation})`, { cause: error });
    }
  }

  /** A found user must be the one asked for: same tenant (and email or id). */
  const checked = (json: unknown, tenantId: string | null, matches: (user: StoredUser) => boolean): StoredUser | null => {
    if (json === null) return null;
    const user = toStoredUser(json, 'The users service', { sessionVersion: options.sessionVersion === true });
    if (user.tenant_id !== tenantId || !matches(user)) {
      throw new BackendError('bad_response', 'The users service returned a user other than the one asked for');
    }
    return user;
  };

  async function findById(id: UserId, tenantId: string | null): Promise<StoredUser | null> {
    const { json } = await call('find user', 'GET', withQuery(`${base}/${encodeURIComponent(String(id))}`, tenantQuery(tenantId)));
    return checked(json, tenantId, (u) => String(u.id) === String(id));
  }

  return {
    kind: 'http',
    async findByEmail(email, tenantId) {
      // Insensitive: the service is told, and the address it returns may differ in case only.
      const match = insensitive ? 'email_match=insensitive' : '';
      const { json } = await call('find user', 'GET', withQuery(base, `email=${encodeURIComponent(email)}`, tenantQuery(tenantId), match)).catch((error: unknown) => {
        // A 409 to a lookup: two accounts differ only in case (the contract), never a guess.
        throw error instanceof BackendError && error.code === 'conflict' ? ambiguousEmail('The users service') : error;
      });
      return checked(json, tenantId, (u) => (insensitive ? u.email.toLowerCase() === email : u.email === email));
    },
    findById,
    async create(user: NewUser) {
      const { json } = await call('create user', 'POST', base, user);
      const created = checked(json, user.tenant_id, (u) => u.email === user.email);
      if (!created) throw new BackendError('bad_response', 'The users service returned no user for the create');
      return created;
    },
    async update(id: UserId, tenantId: string | null, patch: UserPatch, expected: UserExpectation = {}) {
      // The counter goes to the service only when it keeps one (SESSION_VERSION_COLUMN).
      const keep = (field: string) => field !== 'session_version' || options.sessionVersion === true;
      const set = Object.fromEntries(Object.entries(patch).filter(([field, value]) => value !== undefined && keep(field)));
      const expect = Object.fromEntries(EXPECTABLE.filter((f) => expected[f] !== undefined && keep(f)).map((f) => [f, expected[f]]));
      const url = withQuery(`${base}/${encodeURIComponent(String(id))}`, tenantQuery(tenantId));
      if (options.conditionalUpdates) {
        const { json } = await call('update user', 'PATCH', url, { set, expect });
        return checked(json, tenantId, (u) => String(u.id) === String(id));
      }
      // A service that does not declare conditional updates: checked against a read first (not atomic).
      if (Object.keys(expect).length > 0) {
        const current = await findById(id, tenantId);
        if (!current || Object.entries(expect).some(([f, value]) => current[f as keyof StoredUser] !== value)) return null;
      }
      const { json } = await call('update user', 'PATCH', url, set);
      return checked(json, tenantId, (u) => String(u.id) === String(id));
    },
    async ping() {
      // Any answer but a 5xx or a network failure means the service is up (404 included).
      await call('ping', 'GET', withQuery(base, 'email=readiness-probe%40authura.invalid'));
    },
    capabilities: () =>
      Promise.resolve({
        conditionalUpdate: options.conditionalUpdates === true,
        spendOnce: spent !== undefined,
        sessionVersion: options.sessionVersion === true,
        mfa: mfaBase !== undefined,
        passkeys: passkeysBase !== undefined,
        listUsers: options.adminCalls?.includes('list') === true,
        deleteUser: options.adminCalls?.includes('delete') === true,
        claims: options.claimsUrl !== undefined,
      }),
    ...(options.claimsUrl === undefined
      ? {}
      : {
          async userClaims(user: StoredUser) {
            const url = withQuery(`${(options.claimsUrl as string).replace(/\/+$/, '')}/${encodeURIComponent(String(user.id))}`, tenantQuery(user.tenant_id));
            const { json } = await call('read claims', 'GET', url);
            if (json === null) return null;
            if (typeof json !== 'object' || Array.isArray(json)) throw new BackendError('bad_response', 'The claims service answered something other than an object');
            return json as Record<string, unknown>;
          },
        }),
    async listUsers(query) {
      const params = ['list=1', `limit=${query.limit}`];
      if (query.emailPrefix) params.push(`email_prefix=${encodeURIComponent(query.emailPrefix)}`);
      if (query.tenantId === undefined) params.push('any_tenant=1');
      else params.push(tenantQuery(query.tenantId));
      if (query.role !== undefined) params.push(`role=${encodeURIComponent(query.role)}`);
      if (query.after !== undefined) params.push(`cursor=${encodeURIComponent(query.after)}`);
      const { json } = await call('list users', 'GET', withQuery(base, ...params));
      const page = json as { users?: unknown; next_cursor?: unknown } | null;
      if (!page || !Array.isArray(page.users) || !(page.next_cursor === null || page.next_cursor === undefined || typeof page.next_cursor === 'string')) {
        throw new BackendError('bad_response', 'The users service returned no user list');
      }
      const users = page.users.map((u) => toStoredUser(u, 'The users service', { sessionVersion: options.sessionVersion === true }));
      if (users.length > query.limit || users.some((u) => query.tenantId !== undefined && u.tenant_id !== query.tenantId)) {
        throw new BackendError('bad_response', 'The users service returned other users than asked for');
      }
      return { users, next: (page.next_cursor as string | null | undefined) ?? null };
    },
    async deleteUser(id, tenantId) {
      const { status } = await call('delete user', 'DELETE', withQuery(`${base}/${encodeURIComponent(String(id))}`, tenantQuery(tenantId)));
      return status !== 404;
    },
    passkeys: {
      async list(userId, tenantId) {
        const { json } = await call('list passkeys', 'GET', withQuery(passkeysAt(), ...owner(String(userId), tenantId)));
        if (!Array.isArray(json)) throw new BackendError('bad_response', 'The users service returned no passkeys list');
        const records = json.map((row) => toPasskeyRecord(row, 'The users service'));
        if (records.some((r) => r.userId !== String(userId) || r.tenantId !== tenantId)) throw new BackendError('bad_response', 'The users service returned passkeys of another user');
        return records;
      },
      async find(id) {
        const { json } = await call('find passkey', 'GET', `${passkeysAt()}/${encodeURIComponent(id)}`);
        if (json === null) return null;
        const record = toPasskeyRecord(json, 'The users service');
        if (record.id !== id) throw new BackendError('bad_response', 'The users service returned another passkey than asked for');
        return record;
      },
      async create(passkey) {
        const record = { ...passkeyRow(passkey), transports: passkey.transports };
        return call('create passkey', 'POST', passkeysAt(), { record }).then(
          () => true,
          (error: unknown) => {
            if (error instanceof BackendError && error.code === 'conflict') return false;
            throw error;
          },
        );
      },
      async update(passkey, expectedVersion) {
        const record = { ...passkeyRow(passkey), transports: passkey.transports };
        const { status } = await call('update passkey', 'PUT', `${passkeysAt()}/${encodeURIComponent(passkey.id)}`, { record, expected_version: expectedVersion });
        return status !== 412;
      },
      async remove(id, userId, tenantId) {
        const { status } = await call('remove passkey', 'DELETE', withQuery(`${passkeysAt()}/${encodeURIComponent(id)}`, ...owner(String(userId), tenantId)));
        return status !== 404;
      },
    },
    mfa: {
      async read(userId, tenantId) {
        if (mfaBase === undefined) throw new BackendError('bad_response', 'HTTP_MFA_URL is not set');
        const { json } = await call('read mfa', 'GET', withQuery(`${mfaBase}/${encodeURIComponent(String(userId))}`, tenantQuery(tenantId)));
        if (json === null) return null;
        const record = toMfaRecord(json, 'The users service');
        if (record.userId !== String(userId) || record.tenantId !== tenantId) throw new BackendError('bad_response', 'The users service returned the second factors of another user');
        return record;
      },
      async write(record, expectedVersion) {
        if (mfaBase === undefined) throw new BackendError('bad_response', 'HTTP_MFA_URL is not set');
        const row = { ...mfaRow(record), recovery_codes: record.recoveryCodes };
        const url = withQuery(`${mfaBase}/${encodeURIComponent(record.userId)}`, tenantQuery(record.tenantId));
        const { status } = await call('write mfa', 'PUT', url, { record: row, expected_version: expectedVersion });
        return status !== 412;
      },
    },
    async spendLink(jti, expiresAt) {
      if (spent === undefined) throw new BackendError('bad_response', 'HTTP_SPENT_LINKS_URL is not set');
      const { status } = await call('spend link', 'POST', spent, { jti, expires_at: expiresAt }).catch((error: unknown) => {
        // 409: already spent — the one answer that is not a failure here.
        if (error instanceof BackendError && error.code === 'conflict') return { status: 409 };
        throw error;
      });
      return status !== 409;
    },
    async unspendLink(jti) {
      if (spent === undefined) return;
      await call('unspend link', 'DELETE', `${spent}/${encodeURIComponent(jti)}`);
    },
    async close() {},
  };
}
