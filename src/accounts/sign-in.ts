import type { StoredUser } from '../backends/types.js';
import type { Authentication } from '../tokens/authentication.js';
import type { IssuedTokens } from '../tokens/tokens.js';
import { secondFactorGate } from './mfa-gate.js';
import { operatorData, rolesOf } from './roles.js';
import type { AccountServices } from './services.js';
import type { UserWithHookData } from './users.js';

/**
 * The first factor a sign-in was made with, as RFC 8176 names it: `pwd` a password, `fed` a
 * federated provider (OAuth) — and `email`, our documented value (RFC 8176 has none for it, and
 * `otp` is a TOTP app's): a code or link mailed to the address (passwordless, or a mailed link's
 * action followed) — and `hwk` / `swk` a passkey, device-bound or synced, when the authenticator did
 * not verify the user (it did: the passkey alone is both factors, passkeys.ts).
 */
type FirstFactor = 'pwd' | 'email' | 'fed' | 'hwk' | 'swk';

/** A user who has passed a first factor, with what the hook said of them. */
interface FirstFactorPassed extends UserWithHookData {
  readonly factor: FirstFactor;
}

type SignInServices = Pick<AccountServices, 'tokens' | 'extensions' | 'metrics' | 'clock' | 'mfa' | 'backend' | 'config'>;

/**
 * The end of every sign-in — password, mailed link, OAuth — and so the one place a session
 * begins: the tokens carry how (`amr`) and when (`auth_time`) the user signed in, which every
 * later refresh keeps. The second-factor gate stands here, in front of the tokens: a user with a
 * second factor (or a role that needs one) gets an mfa token (or an enrolment token) instead.
 */
export async function startSession(services: SignInServices, passed: FirstFactorPassed): Promise<IssuedTokens> {
  // The operator's data once, for the gate (its roles) and the tokens.
  const data = await operatorData(services, passed.user);
  await secondFactorGate(services, passed.user, [passed.factor], data);
  const authentication: Authentication = { amr: [passed.factor], authTime: Math.floor(services.clock.now() / 1000) };
  return issueTokens(services, passed, { authentication, data });
}

/**
 * Access and refresh tokens for `user` (extension claims and hook data included), counted. A
 * refresh passes the authentication of the session it continues; an impersonation, the admin
 * (no refresh token then).
 */
export async function issueTokens(
  services: Pick<AccountServices, 'tokens' | 'extensions' | 'metrics' | 'backend' | 'config'>,
  { user, hookData }: UserWithHookData,
  options: { authentication?: Authentication; actor?: StoredUser; data?: Record<string, unknown> | null } = {},
): Promise<IssuedTokens> {
  // The operator's own data (JWT_CLAIMS_QUERY, JWT_CLAIMS_MAP, HTTP_CLAIMS_URL), unless the
  // sign-in read it already: its roles, its x-hasura-* values for the hasura extension, the rest
  // under JWT_CLAIMS_NAMESPACE.
  const { data: given, ...tokenOptions } = options;
  const data = given === undefined ? await operatorData(services, user) : given;
  const roles = rolesOf(user, data, services.config.roles.listColumn);
  const hasura: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data ?? {})) {
    if (name === 'roles') continue;
    // To Hasura's claims with the hasura extension; an ordinary claim without it.
    if (name.toLowerCase().startsWith('x-hasura-') && services.extensions.some((e) => e.name === 'hasura')) hasura[name.toLowerCase()] = value;
    else own[name] = value;
  }
  const claims: Record<string, unknown> = {};
  if (Object.keys(own).length > 0) claims[services.config.jwt.claimsNamespace] = own;
  for (const extension of services.extensions) {
    Object.assign(claims, extension.claims({ user, tenantId: user.tenant_id, actor: options.actor, roles, hasura }));
  }
  const issued = await services.tokens.issue(user, { ...tokenOptions, claims, hookData, roles });
  services.metrics.tokensIssued('access');
  if (issued.refresh_token !== undefined) services.metrics.tokensIssued('refresh');
  return issued;
}
