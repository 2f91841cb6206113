import type { StoredUser, UserBackend } from '../backends/types.js';

/** One user in Hanko's import format (extended): what `npm run users -- import` reads back. */
function hankoRecord(user: StoredUser, now: string) {
  return {
    user_id: String(user.id),
    emails: [{ address: user.email, is_primary: true, is_verified: user.verified_at !== null }],
    // The store keeps no creation time: the verification time stands in, else the export's.
    created_at: user.verified_at ?? now,
    updated_at: now,
    password_hash: user.password,
    role: user.role,
    tenant_id: user.tenant_id,
  };
}

/**
 * `npm run users -- export`: every user (of `tenantId`, or of every tenant), a page at a time, as
 * a JSON array or JSON Lines, written as it is read. The output holds password hashes.
 */
export async function exportUsers(backend: UserBackend, options: { tenantId: string | null | undefined; format: 'json' | 'jsonl'; now: () => Date; write: (text: string) => Promise<void> }) {
  const { listUsers } = backend;
  if (!listUsers || !(await backend.capabilities()).listUsers) throw new Error(`the ${backend.kind} backend cannot list users (HTTP: HTTP_ADMIN_CALLS=list)`);
  const now = options.now().toISOString();
  let after: string | undefined;
  let count = 0;
  if (options.format === 'json') await options.write('[\n');
  do {
    const page = await listUsers.call(backend, { tenantId: options.tenantId, limit: 500, after });
    for (const user of page.users) {
      const line = JSON.stringify(hankoRecord(user, now));
      await options.write(options.format === 'json' ? `${count > 0 ? ',\n' : ''}${line}` : `${line}\n`);
      count += 1;
    }
    after = page.next ?? undefined;
  } while (after !== undefined);
  if (options.format === 'json') await options.write('\n]\n');
  return count;
}
