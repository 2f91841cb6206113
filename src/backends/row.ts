import { BackendError, type StoredUser } from './types.js';

/**
 * Checks a row a backend returned and brings it into the {@link StoredUser} shape. A row that is
 * not a user (a misconfigured table, a misbehaving HTTP service) is a `bad_response`, never
 * passed on half-understood.
 */
export function toStoredUser(value: unknown, source: string, options: { sessionVersion?: boolean } = {}): StoredUser {
  if (value === null || typeof value !== 'object') {
    throw new BackendError('bad_response', `${source} returned something that is not a user object`);
  }
  const r = value as Record<string, unknown>;
  const id = r.id;
  const validId = (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id !== '');
  if (!validId || typeof r.email !== 'string' || typeof r.role !== 'string' || typeof r.password !== 'string') {
    throw new BackendError('bad_response', `${source} returned a user without a valid id, email, role or password`);
  }
  const tenant = r.tenant_id;
  if (tenant !== null && tenant !== undefined && typeof tenant !== 'string') {
    throw new BackendError('bad_response', `${source} returned a user whose tenant_id is not a string`);
  }
  const user: StoredUser = {
    id: id as number | string,
    email: r.email,
    role: r.role,
    password: r.password,
    tenant_id: tenant ?? null,
    verified_at: toTimestamp(r.verified_at, source),
  };
  return options.sessionVersion ? { ...user, session_version: toCounter(r.session_version, source) } : user;
}

/** A session version: a non-negative integer; none is 0. */
function toCounter(value: unknown, source: string): number {
  if (value === null || value === undefined) return 0;
  const n = wholeNumber(value);
  if (n === undefined) throw new BackendError('bad_response', `${source} returned a user whose session_version is not a whole number`);
  return n;
}

/** A whole number ≥ 0 as stores return it: a number, a bigint, or digits (bigint columns arrive as strings). */
export function wholeNumber(value: unknown): number | undefined {
  const n = typeof value === 'bigint' || (typeof value === 'string' && /^\d{1,15}$/.test(value)) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** A list of strings as stores keep it: JSON text (an SQL column) or an array (HTTP, Hasura's jsonb). */
export function stringList(value: unknown): string[] | undefined {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(list) && list.every((item) => typeof item === 'string') ? list : undefined;
}

function toTimestamp(value: unknown, source: string): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new BackendError('bad_response', `${source} returned a user whose verified_at is not a timestamp`);
  }
  return date.toISOString();
}
