import type { RequestScope } from '../core/request.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import type { AccountServices } from './services.js';
import { noticePasswordChanged } from './notices.js';
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
  services: Pick<AccountServices, 'config' | 'backend' | 'hasher' | 'hooks' | 'tokens' | 'extensions' | 'metrics' | 'clock' | 'audit' | 'mailer' | 'limits' | 'mfa'>,
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
  if (existing && existing.verified_at === null) {
    // The provider proved the address, not the password someone set on the unverified row (who
    // may have planted it): it is replaced by one nobody knows, its sessions end, and the
    // owner hears of it.
    const patch = {
      verified_at: timestamp(clock),
      password: await hashNewPassword(services, unguessablePassword()),
      ...(existing.session_version === undefined ? {} : { session_version: existing.session_version + 1 }),
    };
    await noticePasswordChanged(services, existing, 'oauth', `you signed in with ${providerName(identity.provider)}`);
    result = await updateUser(services, existing, patch);
    if (!result) throw new SignInRefused('server_error', 'The account changed during sign-in: try again');
  } else if (existing) {
    result = await withHookData(services, existing);
  } else {
    if (config.signupDisabled) throw new SignInRefused('signup_disabled', 'Self-service signup is disabled');
    const password = await hashNewPassword(services, unguessablePassword());
    result = await createUser(services, { email, role: config.roles.default, password, tenant_id: scope.tenantId, verified_at: timestamp(clock) });
  }
  const tokens = await startSession(services, { ...result, factor: 'fed' });
  services.audit.record(scope, 'oauth_login', { detail: identity.provider });
  return tokens;
}

const providerName = (provider: string) => (provider === 'github' ? 'GitHub' : provider === 'google' ? 'Google' : provider);
