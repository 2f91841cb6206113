import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backends/create-backend.js';
import { BackendError, type NewUser, type StoredUser, unchanged, type UserBackend } from '../../src/backends/types.js';
import { loadConfig } from '../../src/config/load-config.js';

/** A backend under test, with the switches its fault tests need. */
export interface BackendHarness {
  /** AUTH_BACKEND and its variables; the suite adds the secrets and a short timeout. */
  readonly env: Record<string, string>;
  /** Does the store keep a NULL-tenant email unique under concurrent creates? */
  readonly atomicWithoutTenant: boolean;
  readonly idType: 'number' | 'string';
  /** Makes calls hang beyond the timeout; the returned function undoes it. */
  slow(): Promise<() => Promise<void>>;
  /** Makes the store return `user` malformed; the returned function undoes it. */
  malformed(user: StoredUser): Promise<() => Promise<void>>;
  /** Takes the store down; the returned function brings it back. Absent for embedded stores. */
  down?(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const TIMEOUT_MS = 800;

/** A store behind a test server with fault switches (the Hasura and HTTP fakes). */
export interface FaultyService {
  readonly faults: { malformedRows?: boolean };
  /** Holds every call: a store that does not answer in time. */
  hold(): void;
  /** Ends the held calls unanswered (their client gave up) and answers again. */
  drop(): void;
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** The harness of a backend whose store is a {@link FaultyService}. */
export function serviceHarness(
  service: FaultyService,
  env: Record<string, string>,
  options: Pick<BackendHarness, 'atomicWithoutTenant' | 'idType'>,
): BackendHarness {
  const toggle = (apply: () => void, undo: () => void) => async () => {
    apply();
    return async () => undo();
  };
  return {
    env,
    ...options,
    slow: toggle(() => service.hold(), () => service.drop()),
    malformed: toggle(() => (service.faults.malformedRows = true), () => (service.faults.malformedRows = false)),
    async down() {
      await service.pause();
      return () => service.resume();
    },
    close: () => service.close(),
  };
}

/** The backend built from config, exactly as the gateway builds it. */
export function backendFor(env: Record<string, string>): Promise<UserBackend> {
  const config = loadConfig(
    { JWT_SECRET: 'x'.repeat(32), JWT_REFRESH_SECRET: 'y'.repeat(32), JWT_VERIFY_SECRET: 'z'.repeat(32), BACKEND_TIMEOUT: `${TIMEOUT_MS}ms`, ...env },
    { devSecrets: false },
  );
  return createBackend(config.backend);
}

const HASH = '$2b$04$abcdefghijklmnopqrstuu5Ov5aA1nZsQbnV4JpVbq5p1fUn6v5bG';
let counter = 0;
const newUser = (over: Partial<NewUser> = {}): NewUser => ({
  email: `user${++counter}-${Date.now()}@example.com`,
  role: 'user',
  password: HASH,
  tenant_id: null,
  verified_at: '2025-02-05T16:48:18.223Z',
  ...over,
});

async function expectBackendError(promise: Promise<unknown>, code: BackendError['code']) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendError);
  expect((error as BackendError).code).toBe(code);
}

/**
 * The one contract every backend keeps (see `UserBackend` in src/backends/types.ts), run
 * against a real store for each.
 */
export function describeBackendConformance(
  name: string,
  start: () => Promise<BackendHarness>,
  /** `false` for an embedded store (SQLite): there is no server to stop. */
  options: { hasServer: boolean },
): void {
  describe(`${name} backend conformance`, () => {
    let harness: BackendHarness;
    let backend: UserBackend;
    beforeAll(async () => {
      harness = await start();
      backend = await backendFor(harness.env);
    });
    afterAll(async () => {
      await backend?.close();
      await harness?.close();
    });

    it('answers null for an unknown email or id', async () => {
      expect(await backend.findByEmail('nobody@example.com', null)).toBeNull();
      expect(await backend.findByEmail('nobody@example.com', 'acme')).toBeNull();
      for (const id of ['999999', 'not-an-id', '00000000-0000-0000-0000-000000000000', '1e400', '99999999999999999999999']) {
        expect(await backend.findById(id, null)).toBeNull();
      }
    });

    it('creates a user and finds it by email and by id (the id as a token carries it: a string)', async () => {
      const input = newUser();
      const created = await backend.create(input);
      expect(typeof created.id).toBe(harness.idType);
      expect(created).toEqual({ ...input, id: created.id, session_version: 0 });
      expect(await backend.findByEmail(input.email, null)).toEqual(created);
      expect(await backend.findById(String(created.id), null)).toEqual(created);
      expect(await backend.findById(created.id, null)).toEqual(created);
    });

    it('reports its capabilities as its rows show them: a session version on every row', async () => {
      const capabilities = await backend.capabilities();
      expect(capabilities).toEqual({ conditionalUpdate: true, spendOnce: true, sessionVersion: true, mfa: true, passkeys: true, listUsers: true, deleteUser: true, claims: false });
      expect((await backend.create(newUser())).session_version).toBe(0);
    });

    it('looks emails up exactly by default, or in any case with EMAIL_LOOKUP=insensitive: wildcards literal, two rows in different case refused', async () => {
      const insensitive = await backendFor({ ...harness.env, EMAIL_LOOKUP: 'insensitive' });
      try {
        const stamp = `${Date.now()}${++counter}`;
        const mixed = await backend.create(newUser({ email: `John.${stamp}@Example.com` }));
        expect(await backend.findByEmail(`john.${stamp}@example.com`, null)).toBeNull();
        expect(await insensitive.findByEmail(`john.${stamp}@example.com`, null)).toEqual(mixed);
        expect(await insensitive.findByEmail(`john.${stamp}@example.com`, 'acme')).toBeNull();
        // `_` and `%` are characters of the address, not wildcards.
        await backend.create(newUser({ email: `a_b.${stamp}@example.com` }));
        expect(await insensitive.findByEmail(`axb.${stamp}@example.com`, null)).toBeNull();
        expect(await insensitive.findByEmail(`a%.${stamp}@example.com`, null)).toBeNull();
        expect((await insensitive.findByEmail(`a_b.${stamp}@example.com`, null))?.email).toBe(`a_b.${stamp}@example.com`);
        // Two accounts that differ only in case: refused, never one of them chosen.
        await backend.create(newUser({ email: `Dup.${stamp}@example.com` }));
        await backend.create(newUser({ email: `dup.${stamp}@example.com` }));
        await expectBackendError(insensitive.findByEmail(`dup.${stamp}@example.com`, null), 'bad_response');
        // Where the store can be asked (not HTTP), the start counts the rows exact lookups miss.
        if (name !== 'http') expect(await (backend.mixedCaseEmails as () => Promise<number>)()).toBeGreaterThanOrEqual(2);
      } finally {
        await insensitive.close();
      }
    });

    it('updates conditionally: only while the row still holds what the writer read, else null and nothing written', async () => {
      const user = await backend.create(newUser());
      expect(await backend.update(user.id, null, { role: 'editor' }, { password: `${HASH}x` })).toBeNull();
      expect(await backend.update(user.id, null, { role: 'editor' }, { session_version: 7 })).toBeNull();
      expect(await backend.findById(user.id, null)).toEqual(user);
      const updated = await backend.update(user.id, null, { role: 'editor' }, unchanged(user));
      expect(updated).toEqual({ ...user, role: 'editor' });
      // What was read before that write no longer holds.
      expect(await backend.update(user.id, null, { role: 'admin' }, unchanged(user))).toBeNull();
      expect(await backend.findById(user.id, null)).toEqual(updated);
      // Another tenant's row is never matched.
      expect(await backend.update(user.id, 'acme', { role: 'admin' }, unchanged(updated as StoredUser))).toBeNull();
    });

    it('of 20 writers that read the same row at once, exactly one writes', async () => {
      const user = await backend.create(newUser());
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => backend.update(user.id, null, { password: `${HASH.slice(0, -2)}${String(i).padStart(2, '0')}` }, unchanged(user))),
      );
      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      expect(await backend.findById(user.id, null)).toEqual(winners[0]);
    });

    it('spends a link once: of 20 spends at once one wins, a second later loses, an unspent link works again', async () => {
      const { spendLink, unspendLink } = backend;
      if (!spendLink || !unspendLink) throw new Error('the backend keeps no spent links');
      const jti = randomUUID();
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      const results = await Promise.all(Array.from({ length: 20 }, () => spendLink.call(backend, jti, expiresAt)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await spendLink.call(backend, jti, expiresAt)).toBe(false);
      await unspendLink.call(backend, jti);
      expect(await spendLink.call(backend, jti, expiresAt)).toBe(true);
      expect(await spendLink.call(backend, randomUUID(), expiresAt)).toBe(true);
    });

    it('keeps second factors (mfa): none at first, inserted once, updated only from the version read, per tenant', async () => {
      const { mfa } = backend;
      if (!mfa) throw new Error('the backend keeps no second factors');
      const user = await backend.create({ ...newUser(), tenant_id: 'acme' });
      const userId = String(user.id);
      expect(await mfa.read(userId, 'acme')).toBeNull();
      const first = { userId, tenantId: 'acme', totpSecret: 'v1.k.iv.ct', totpConfirmedAt: null, totpLastStep: 0, recoveryCodes: [], version: 1 };
      // Of 10 inserts at once, one is written.
      expect((await Promise.all(Array.from({ length: 10 }, () => mfa.write(first, null)))).filter(Boolean)).toHaveLength(1);
      expect(await mfa.read(userId, 'acme')).toEqual(first);
      expect(await mfa.read(user.id, 'acme')).toEqual(first);
      expect(await mfa.read(userId, 'globex')).toBeNull();
      expect(await mfa.read(userId, null)).toBeNull();
      const confirmed = { ...first, totpConfirmedAt: '2026-11-30T12:00:00.000Z', totpLastStep: 59_000_000, recoveryCodes: ['a', 'b'], version: 2 };
      // Of 10 writers that read version 1, one writes; a stale version writes nothing.
      expect((await Promise.all(Array.from({ length: 10 }, () => mfa.write(confirmed, 1)))).filter(Boolean)).toHaveLength(1);
      expect(await mfa.write({ ...confirmed, totpLastStep: 1, version: 3 }, 1)).toBe(false);
      expect(await mfa.write({ ...confirmed, version: 3 }, null)).toBe(false);
      expect(await mfa.read(userId, 'acme')).toEqual(confirmed);
      // Another tenant's writer writes nothing.
      expect(await mfa.write({ ...confirmed, tenantId: 'globex', version: 3 }, 2)).toBe(false);
      const cleared = { ...confirmed, totpSecret: null, totpConfirmedAt: null, recoveryCodes: [], version: 3 };
      expect(await mfa.write(cleared, 2)).toBe(true);
      expect(await mfa.read(userId, 'acme')).toEqual(cleared);
    });

    it('keeps passkeys per (user, tenant): created once, found by id, listed, updated from the version read, removed by their owner only', async () => {
      const { passkeys } = backend;
      if (!passkeys) throw new Error('the backend keeps no passkeys');
      const owner = await backend.create({ ...newUser(), tenant_id: 'acme' });
      const other = await backend.create({ ...newUser(), tenant_id: 'acme' });
      const id = randomUUID().replaceAll('-', '');
      const key = {
        id, userId: String(owner.id), tenantId: 'acme', publicKey: 'pQECAyYgASFYIA', counter: 0, transports: ['internal', 'hybrid'],
        backupEligible: true, backedUp: false, name: 'Laptop', createdAt: '2026-11-30T12:00:00.000Z', lastUsedAt: null, version: 1,
      };
      expect(await passkeys.find(id)).toBeNull();
      expect(await passkeys.list(owner.id, 'acme')).toEqual([]);
      expect((await Promise.all(Array.from({ length: 10 }, () => passkeys.create(key)))).filter(Boolean)).toHaveLength(1);
      expect(await passkeys.find(id)).toEqual(key);
      const second = { ...key, id: `${id}2`, name: 'Phone', transports: [], backupEligible: false, createdAt: '2026-11-30T12:01:00.000Z' };
      expect(await passkeys.create(second)).toBe(true);
      expect(await passkeys.list(String(owner.id), 'acme')).toEqual([key, second]);
      expect(await passkeys.list(owner.id, 'globex')).toEqual([]);
      expect(await passkeys.list(other.id, 'acme')).toEqual([]);
      const used = { ...key, counter: 7, backedUp: true, lastUsedAt: '2026-11-30T12:05:00.000Z', version: 2 };
      expect((await Promise.all(Array.from({ length: 10 }, () => passkeys.update(used, 1)))).filter(Boolean)).toHaveLength(1);
      expect(await passkeys.update({ ...used, counter: 8, version: 3 }, 1)).toBe(false);
      expect(await passkeys.update({ ...used, userId: String(other.id), version: 3 }, 2)).toBe(false);
      expect(await passkeys.find(id)).toEqual(used);
      expect(await passkeys.remove(id, other.id, 'acme')).toBe(false);
      expect(await passkeys.remove(id, owner.id, 'globex')).toBe(false);
      expect(await passkeys.remove(id, owner.id, 'acme')).toBe(true);
      expect(await passkeys.remove(id, owner.id, 'acme')).toBe(false);
      expect(await passkeys.list(owner.id, 'acme')).toEqual([second]);
    });

    it('lists users for the admin API: by email prefix (any case, wildcards literal), tenant, role, page by page in id order', async () => {
      const { listUsers } = backend;
      if (!listUsers) throw new Error('the backend lists no users');
      const list = (query: Parameters<typeof listUsers>[0]) => listUsers.call(backend, query);
      const run = randomUUID().slice(0, 8);
      const made: StoredUser[] = [];
      for (const [i, tenant, role] of [[1, 'acme', 'user'], [2, 'acme', 'admin'], [3, 'acme', 'user'], [4, 'globex', 'user'], [5, null, 'user']] as const) {
        made.push(await backend.create(newUser({ email: `pfx${run}_${i}@example.com`, tenant_id: tenant, role })));
      }
      await backend.create(newUser({ email: `pfx${run}x1@example.com`, tenant_id: 'acme' })); // '_' must not match 'x'
      // Id order: creation order for integer ids, the ids' text order for UUIDs.
      made.sort((a, b) => (harness.idType === 'number' ? Number(a.id) - Number(b.id) : String(a.id) < String(b.id) ? -1 : 1));
      const emails = (users: StoredUser[]) => users.map((u) => u.email);
      const all = await list({ emailPrefix: `PFX${run}_`, limit: 10 });
      expect(emails(all.users)).toEqual(made.map((u) => u.email));
      expect(all.next).toBeNull();
      const where = (test: (u: StoredUser) => boolean) => made.filter(test).map((u) => u.email);
      expect(emails((await list({ emailPrefix: `pfx${run}_`, tenantId: 'acme', limit: 10 })).users)).toEqual(where((u) => u.tenant_id === 'acme'));
      expect(emails((await list({ emailPrefix: `pfx${run}_`, tenantId: null, limit: 10 })).users)).toEqual(where((u) => u.tenant_id === null));
      expect(emails((await list({ emailPrefix: `pfx${run}_`, tenantId: 'acme', role: 'admin', limit: 10 })).users)).toEqual(where((u) => u.role === 'admin'));
      // Two at a time: three pages, each after the last id of the one before.
      const first = await list({ emailPrefix: `pfx${run}_`, limit: 2 });
      const second = await list({ emailPrefix: `pfx${run}_`, limit: 2, after: first.next as string });
      const third = await list({ emailPrefix: `pfx${run}_`, limit: 2, after: second.next as string });
      expect([...emails(first.users), ...emails(second.users), ...emails(third.users)]).toEqual(made.map((u) => u.email));
      expect(third.next).toBeNull();
    });

    it('deletes a user only in its tenant and only while it holds what was read', async () => {
      const { deleteUser } = backend;
      if (!deleteUser) throw new Error('the backend deletes no users');
      const user = await backend.create(newUser({ tenant_id: 'acme' }));
      expect(await deleteUser.call(backend, user.id, 'globex', unchanged(user))).toBe(false);
      if (harness.env.AUTH_BACKEND !== 'http') expect(await deleteUser.call(backend, user.id, 'acme', { ...unchanged(user), role: 'other' })).toBe(false);
      expect(await backend.findById(user.id, 'acme')).toEqual(user);
      expect(await deleteUser.call(backend, user.id, 'acme', unchanged(user))).toBe(true);
      expect(await backend.findById(user.id, 'acme')).toBeNull();
      expect(await deleteUser.call(backend, user.id, 'acme')).toBe(false);
    });

    it('keeps the session version logout bumps: 0 at first, stored by an update, left alone by others', async () => {
      const user = await backend.create(newUser());
      expect(user.session_version).toBe(0);
      const bumped = await backend.update(String(user.id), null, { session_version: 1 });
      expect(bumped).toEqual({ ...user, session_version: 1 });
      const renamed = await backend.update(user.id, null, { role: 'editor' });
      expect(renamed).toEqual({ ...user, role: 'editor', session_version: 1 });
      expect(await backend.findById(user.id, null)).toEqual(renamed);
      expect(await backend.findByEmail(user.email, null)).toEqual(renamed);
      // Scoped by tenant like every write.
      expect(await backend.update(user.id, 'acme', { session_version: 5 })).toBeNull();
      expect((await backend.findById(user.id, null))?.session_version).toBe(1);
    });

    it('keeps verified_at as an ISO timestamp, and null as null', async () => {
      const unverified = await backend.create(newUser({ verified_at: null }));
      expect(unverified.verified_at).toBeNull();
      const verified = await backend.create(newUser({ verified_at: '2025-02-05T17:48:18.223+01:00' }));
      expect(verified.verified_at).toBe('2025-02-05T16:48:18.223Z');
    });

    it('scopes every lookup and write by tenant', async () => {
      const email = `shared-${Date.now()}@example.com`;
      const none = await backend.create(newUser({ email }));
      const a = await backend.create(newUser({ email, tenant_id: 'acme' }));
      const b = await backend.create(newUser({ email, tenant_id: 'globex', role: 'editor' }));
      expect(new Set([none.id, a.id, b.id]).size).toBe(3);
      expect(await backend.findByEmail(email, 'acme')).toEqual(a);
      expect(await backend.findByEmail(email, 'globex')).toEqual(b);
      expect(await backend.findByEmail(email, null)).toEqual(none);
      expect(await backend.findById(String(a.id), 'globex')).toBeNull();
      expect(await backend.findById(String(a.id), null)).toBeNull();
      expect(await backend.update(a.id, 'globex', { role: 'admin' })).toBeNull();
      expect(await backend.findById(a.id, 'acme')).toEqual(a);
    });

    it('refuses a second user with the same email in the same tenant (conflict) and writes nothing', async () => {
      for (const tenant_id of [null, 'acme']) {
        const first = await backend.create(newUser({ tenant_id }));
        await expectBackendError(backend.create(newUser({ email: first.email, tenant_id, role: 'other' })), 'conflict');
        expect(await backend.findByEmail(first.email, tenant_id)).toEqual(first);
      }
    });

    it('keeps one user per (email, tenant) under concurrent creates', async () => {
      const tenants = harness.atomicWithoutTenant ? [null, 'acme'] : ['acme'];
      for (const tenant_id of tenants) {
        const email = `race-${Date.now()}-${tenant_id ?? 'none'}@example.com`;
        const results = await Promise.allSettled(Array.from({ length: 6 }, () => backend.create(newUser({ email, tenant_id }))));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect((r.reason as BackendError).code).toBe('conflict');
      }
    });

    it('updates password, role, email and verified_at, returning the stored user', async () => {
      const user = await backend.create(newUser({ verified_at: null }));
      const patch = { password: HASH.replace('abc', 'xyz'), role: 'editor', email: `moved-${user.email}`, verified_at: '2026-01-01T00:00:00.000Z' };
      const updated = await backend.update(String(user.id), null, patch);
      expect(updated).toEqual({ ...user, ...patch });
      expect(await backend.findById(user.id, null)).toEqual(updated);
      expect(await backend.findByEmail(user.email, null)).toBeNull();
      expect(await backend.update(user.id, null, {})).toEqual(updated);
    });

    it('answers null when updating an unknown id', async () => {
      expect(await backend.update('999999', null, { role: 'x' })).toBeNull();
      expect(await backend.update('not-an-id', null, { role: 'x' })).toBeNull();
    });

    it('refuses to move a user onto a taken email (conflict) and changes nothing', async () => {
      const a = await backend.create(newUser());
      const b = await backend.create(newUser());
      await expectBackendError(backend.update(b.id, null, { email: a.email }), 'conflict');
      expect(await backend.findById(b.id, null)).toEqual(b);
    });

    it('answers ping', async () => {
      await expect(backend.ping()).resolves.toBeUndefined();
    });

    it('a slow store is a timeout within the configured bound, and the backend recovers', async () => {
      const user = await backend.create(newUser());
      const undo = await harness.slow();
      try {
        // A write: every store can be made to hold one back (SQLite readers never wait in WAL mode).
        // The store holds it longer than the bound, so a `timeout` can only be the deadline's.
        await expectBackendError(backend.update(user.id, null, { role: 'slow' }), 'timeout');
      } finally {
        await undo();
      }
      expect(await backend.findByEmail(user.email, null)).toEqual(user);
    });

    it('a malformed user from the store is a bad_response, never passed on', async () => {
      const user = await backend.create(newUser());
      const undo = await harness.malformed(user);
      try {
        await expectBackendError(backend.findByEmail(user.email, null), 'bad_response');
      } finally {
        await undo();
      }
      expect(await backend.findByEmail(user.email, null)).toEqual(user);
    });

    if (!options.hasServer) return;
    it('a stopped store is unavailable (or a timeout), and the backend recovers when it returns', async () => {
      const user = await backend.create(newUser());
      const restore = await (harness.down as NonNullable<BackendHarness['down']>)();
      let error: unknown;
      try {
        error = await backend.findByEmail(user.email, null).then(() => undefined, (e: unknown) => e);
        const write = await backend.create(newUser()).then(() => undefined, (e: unknown) => e);
        expect(write).toBeInstanceOf(BackendError);
      } finally {
        await restore();
      }
      expect(error).toBeInstanceOf(BackendError);
      expect(['unavailable', 'timeout']).toContain((error as BackendError).code);
      // Pools notice the server is back on their own schedule: polled, with a bound.
      await expect.poll(() => backend.findByEmail(user.email, null).catch(() => null), { timeout: 5000, interval: 100 }).toEqual(user);
    });
  });
}
