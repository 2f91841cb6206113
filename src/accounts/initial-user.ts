import { BackendError } from '../backends/types.js';
import type { InitialUser } from '../config/types.js';
import type { AccountServices } from './services.js';
import { timestamp } from './users.js';

/**
 * Creates the INITIAL_USER_* admin when it does not exist yet (idempotent: an existing user of
 * that email is left untouched, whatever its role or password).
 */
export async function ensureInitialUser(
  deps: Pick<AccountServices, 'backend' | 'hasher' | 'logger' | 'clock' | 'config'>,
  initial: InitialUser | undefined,
): Promise<void> {
  if (!initial) return;
  const tenantId = initial.tenantId;
  if (await deps.backend.findByEmail(initial.email, tenantId)) return;
  try {
    await deps.backend.create({
      email: initial.email,
      role: deps.config.roles.admin,
      password: await deps.hasher.hash(initial.password),
      tenant_id: tenantId,
      verified_at: timestamp(deps.clock),
    });
    deps.logger.info('initial admin user created', { email: initial.email, tenant_id: tenantId });
  } catch (error) {
    // Another instance created it at the same moment: that is the goal reached.
    if (!(error instanceof BackendError && error.code === 'conflict')) throw error;
  }
}
