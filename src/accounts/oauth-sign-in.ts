import type { RequestScope } from '../core/request.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import type { AccountServices } from './services.js';
import { startSession } from './sign-in.js';
import { createUser, hashNewPassword, timestamp, unguessablePassword, updateUser, type UserWithHookData, withHookData } from './users.js';

/** Why a provider's answer signs nobody in; the code goes to the app in the redirect's fragment. */
export class SignInRefused extends Error {
  constructor(
    readonly code: 'email_not_verified' | 'invalid_email' | 'signup_disabled' | 'server_error',
    message: string,
  ) {
    super(message);
    this.name = 'SignInRefused';
  }
}

/**
 * The federated first factor: the provider proved `email` (only a verified one is accepted). An
 * account with that email in the tenant is signed in — and becomes verified if it was not —;
 * otherwise one is created with DEFAULT_ROLE and an unguessable password, unless signup is off.
 */
export async function oauthSignIn(
  services: Pick<AccountServices, 'config' | 'backend' | 'hasher' | 'hooks' | 'tokens' | 'extensions' | 'metrics' | 'clock' | 'audit'>,
  scope: RequestScope,
  /** `email` in canonical form, or `undefined` when the provider's is not a usable address. */
  identity: { email: string | undefined; emailVerified: boolean; provider: string },
): Promise<IssuedTokens> {
  const { backend, config, clock } = services;
  if (!identity.emailVerified) throw new SignInRefused('email_not_verified', 'The provider has not verified this email address');
  const email = identity.email;
  if (email === undefined) throw new SignInRefused('invalid_email', 'The provider returned an unusable email address');
  const existing = await backend.findByEmail(email, scope.tenantId);
  let result: UserWithHookData | null;
  if (existing) {
    result = existing.verified_at === null ? await updateUser(services, existing, { verified_at: timestamp(clock) }) : await withHookData(services, existing);
    if (!result) throw new SignInRefused('server_error', 'The account changed during sign-in: try again');
  } else {
    if (config.signupDisabled) throw new SignInRefused('signup_disabled', 'Self-service signup is disabled');
    const password = await hashNewPassword(services, unguessablePassword());
    result = await createUser(services, { email, role: config.roles.default, password, tenant_id: scope.tenantId, verified_at: timestamp(clock) });
  }
  const tokens = await startSession(services, { ...result, factor: 'fed' });
  services.audit.record(scope, 'oauth_login', { detail: identity.provider });
  return tokens;
}
